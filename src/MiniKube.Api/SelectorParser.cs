namespace MiniKube.Api;

/// <summary>A hand-written recursive-descent parser: small, and its errors can point at a character.</summary>
internal sealed class SelectorParser(string text)
{
    private int pos;

    public List<LabelRequirement> ParseAll()
    {
        var reqs = new List<LabelRequirement>();
        while (true)
        {
            reqs.Add(ParseRequirement());
            SkipSpace();
            if (AtEnd)
            {
                return reqs;
            }
            if (Current != ',')
            {
                throw Error($"expected ',' or the end of the selector but found '{Current}'");
            }
            pos++;
            SkipSpace();
            if (AtEnd)
            {
                throw Error("expected a requirement after ','");
            }
        }
    }

    private bool AtEnd => pos >= text.Length;

    private char Current => text[pos];

    private LabelRequirement ParseRequirement()
    {
        SkipSpace();
        if (!AtEnd && Current == '!')
        {
            pos++;
            SkipSpace();
            var (notKey, notAt) = ReadKey();
            return Build(notKey, SelectorOperator.DoesNotExist, [], notAt);
        }
        var (key, keyAt) = ReadKey();
        SkipSpace();
        if (AtEnd || Current == ',')
        {
            return Build(key, SelectorOperator.Exists, [], keyAt);
        }
        var opAt = pos;
        switch (Current)
        {
            case '=':
                pos += pos + 1 < text.Length && text[pos + 1] == '=' ? 2 : 1;
                return Build(key, SelectorOperator.Equal, [ReadSingleValue()], keyAt);
            case '!' when pos + 1 < text.Length && text[pos + 1] == '=':
                pos += 2;
                return Build(key, SelectorOperator.NotEqual, [ReadSingleValue()], keyAt);
            case '>' or '<':
                var op = Current == '>' ? SelectorOperator.GreaterThan : SelectorOperator.LessThan;
                pos++;
                SkipSpace();
                var (number, _) = ReadIdentifier("an integer after '" + LabelRequirement.Symbol(op) + "'");
                return Build(key, op, [number], keyAt);
        }
        if (IsSpecial(Current))
        {
            throw Error($"expected an operator (=, ==, !=, in, notin) after \"{key}\" but found '{Current}'");
        }
        var (word, _) = ReadIdentifier("an operator");
        var setOp = word switch
        {
            "in" => SelectorOperator.In,
            "notin" => SelectorOperator.NotIn,
            _ => throw Error($"expected an operator (=, ==, !=, in, notin) after \"{key}\" but found \"{word}\"", opAt),
        };
        return Build(key, setOp, ReadValueList(word), keyAt);
    }

    private (string Key, int At) ReadKey() => ReadIdentifier("a label key");

    /// <summary>The value after = or !=; nothing (end or ',') means the empty value, as in Kubernetes.</summary>
    private string ReadSingleValue()
    {
        SkipSpace();
        if (AtEnd || Current == ',')
        {
            return "";
        }
        return ReadIdentifier("a value").Text;
    }

    /// <summary>"(a, b)"; "()" and empty slots stand for the empty value, as in Kubernetes.</summary>
    private List<string> ReadValueList(string op)
    {
        SkipSpace();
        if (AtEnd || Current != '(')
        {
            throw Error($"expected '(' after '{op}'");
        }
        pos++;
        var values = new List<string>();
        while (true)
        {
            SkipSpace();
            if (AtEnd)
            {
                throw Error("missing ')' to close the value list");
            }
            if (Current == ')' && values.Count == 0)
            {
                pos++;
                return [""];
            }
            values.Add(Current is ',' or ')' ? "" : ReadIdentifier("a value").Text);
            SkipSpace();
            if (AtEnd)
            {
                throw Error("missing ')' to close the value list");
            }
            if (Current == ')')
            {
                pos++;
                return values;
            }
            if (Current != ',')
            {
                throw Error($"expected ',' or ')' in the value list but found '{Current}'");
            }
            pos++;
        }
    }

    private (string Text, int At) ReadIdentifier(string what)
    {
        var start = pos;
        while (!AtEnd && !char.IsWhiteSpace(Current) && !IsSpecial(Current))
        {
            pos++;
        }
        if (pos == start)
        {
            throw Error(AtEnd ? $"expected {what} but the selector ended" : $"expected {what} but found '{Current}'");
        }
        return (text[start..pos], start);
    }

    private LabelRequirement Build(string key, SelectorOperator op, List<string> values, int at)
    {
        var error = LabelRequirement.TryCreate(key, op, values, out var requirement);
        return error is null ? requirement! : throw Error(error, at);
    }

    private void SkipSpace()
    {
        while (!AtEnd && char.IsWhiteSpace(Current))
        {
            pos++;
        }
    }

    private static bool IsSpecial(char c) => c is ',' or '(' or ')' or '=' or '!' or '<' or '>';

    private FormatException Error(string message, int? at = null) =>
        new($"invalid label selector \"{text}\": {message} (at character {(at ?? pos) + 1})");
}
