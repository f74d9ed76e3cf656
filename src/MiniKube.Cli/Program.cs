Console.Error.WriteLine("minictl: not built yet");
return 1;
