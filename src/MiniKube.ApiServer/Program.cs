Console.Error.WriteLine("minikube-apiserver: not built yet");
return 1;
