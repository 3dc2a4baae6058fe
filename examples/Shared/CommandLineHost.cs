using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using MLNet.SoftTargets.Datasets;

namespace MLNet.SoftTargets.Examples;

/// <summary>
/// The command line of the example apps and the benchmark consoles, on System.CommandLine: a root command with
/// <c>--help</c> (exit code 0), every error of a bad command line on stderr and exit code 2, and option factories that
/// check values the way the apps always have — whole numbers without sign or spaces, numbers in the invariant culture,
/// a value that is empty or starts with <c>--</c> counted as missing — with messages that name the option, the value
/// and what is allowed. An option given twice keeps its last value, but for a list of items (<see cref="Items"/>).
/// </summary>
internal static class CommandLineHost
{
    /// <summary>The exit code of a bad command line: unknown option, missing, unparsable or out-of-range value.</summary>
    public const int BadCommandLine = 2;

    /// <summary>
    /// A root command described by <paramref name="description"/> (the first lines of <c>--help</c>) with
    /// <paramref name="options"/>, <c>--help</c> and the checks across options in <paramref name="validators"/>; without
    /// System.CommandLine's <c>--version</c>, which would only print the assembly version of an app that has none worth showing.
    /// </summary>
    public static RootCommand Root(string description, IEnumerable<Option> options, params Action<CommandResult>[] validators)
    {
        var root = new RootCommand(description);
        foreach (var version in root.Options.OfType<VersionOption>().ToList())
            root.Options.Remove(version);
        foreach (var option in options)
            root.Add(option);
        root.Validators.AddRange(validators);
        return root;
    }

    /// <summary>
    /// Parses <paramref name="args"/> with <paramref name="root"/> and, when the app should go on, binds the result with
    /// <paramref name="bind"/> and returns true. Otherwise returns false with the exit code: a bad command line prints its
    /// errors to stderr (<see cref="BadCommandLine"/>), <c>--help</c> prints the help to stdout (0).
    /// </summary>
    /// <remarks>The app runs after this returns, not inside System.CommandLine's invocation, so its exceptions and Ctrl+C behave as in any Main.</remarks>
    public static bool TryParse<T>(RootCommand root, string[] args, Func<ParseResult, T> bind, [MaybeNullWhen(false)] out T value, out int exitCode)
    {
        // No response files: "@name" is a value like any other, as it always was here.
        var result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        value = default;
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
                Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run with --help for the options.");
            exitCode = BadCommandLine;
            return false;
        }
        if (result.Action is not null)
        {
            // --help (the root command itself has no action): it writes the help and gives the exit code.
            exitCode = result.Invoke();
            return false;
        }
        value = bind(result);
        exitCode = 0;
        return true;
    }

    /// <summary>
    /// An option with one value, shown as <c>name &lt;helpName&gt;</c>: <paramref name="parse"/> returns the value, or
    /// an error that completes "<c>name: </c>" (it should name the value and what is allowed). Without
    /// <paramref name="defaultValue"/> the value is <c>default(T)</c> when the option is not given.
    /// </summary>
    public static Option<T> Value<T>(string name, string helpName, string description, Func<string, (T Value, string? Error)> parse, Func<T>? defaultValue = null) =>
        Create(name, helpName, description, defaultValue, (result, texts) =>
        {
            T value = default!;
            foreach (string text in texts)
            {
                (value, string? error) = parse(text);
                if (error is not null)
                {
                    result.AddError($"{name}: {error}");
                    return default!;
                }
            }
            return value;
        });

    /// <summary>
    /// A repeatable option whose values are comma-separated items: all items of all occurrences, trimmed, empty ones
    /// dropped; an empty array when not given.
    /// </summary>
    public static Option<string[]> Items(string name, string helpName, string description) =>
        Create<string[]>(name, helpName, description, () => [],
            (_, texts) => [.. texts.SelectMany(text => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))]);

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, <paramref name="defaultValue"/> when not given.</summary>
    public static Option<int> Int(string name, string description, int min, int max, int defaultValue) =>
        Value(name, "N", $"{description} [{WholeNumbers(min, max)}]", text => WholeNumber(text, min, max), () => defaultValue);

    /// <summary>
    /// A whole number from <paramref name="min"/> to <paramref name="max"/>, null when not given; the help shows
    /// <paramref name="defaultText"/> as the default (what the app does then).
    /// </summary>
    public static Option<int?> OptionalInt(string name, string description, int min, int max, string defaultText) =>
        Value<int?>(name, "N", $"{description} [{WholeNumbers(min, max)}] [default: {defaultText}]", text => WholeNumber(text, min, max));

    /// <summary>
    /// A number (invariant culture) that <paramref name="isAllowed"/> accepts, described by <paramref name="allowed"/>
    /// ("a number from 0.1 to 100"); <paramref name="defaultValue"/> when not given.
    /// </summary>
    public static Option<double> Number(string name, string helpName, string description, string allowed, Func<double, bool> isAllowed, double defaultValue) =>
        Value(name, helpName, $"{description} [{allowed}]",
            text => TryNumber(text, isAllowed, out double value) ? (value, null) : (0, $"'{text}' is not {allowed}."),
            () => defaultValue);

    /// <summary>Whether <paramref name="text"/> is a number (invariant culture) that <paramref name="isAllowed"/> accepts.</summary>
    public static bool TryNumber(string text, Func<double, bool> isAllowed, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && isAllowed(value);

    /// <summary>Whether <paramref name="text"/> is a whole number from <paramref name="min"/> to <paramref name="max"/> (digits only: no sign, no spaces).</summary>
    public static bool TryWholeNumber(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    /// <summary>Any text, <paramref name="defaultValue"/> when not given.</summary>
    public static Option<string> Text(string name, string helpName, string description, string defaultValue) =>
        Value(name, helpName, description, text => (text, (string?)null), () => defaultValue);

    /// <summary>Any text, null when not given; the help shows <paramref name="defaultText"/> as the default.</summary>
    public static Option<string?> OptionalText(string name, string helpName, string description, string defaultText) =>
        Value<string?>(name, helpName, $"{description} [default: {defaultText}]", text => (text, null));

    /// <summary><c>--out DIR</c>: the folder the app writes to, <paramref name="defaultValue"/> (relative to the working directory) when not given.</summary>
    public static Option<string> OutputFolder(string description, string defaultValue) =>
        Text("--out", "DIR", description, defaultValue);

    /// <summary>
    /// <c>--data DIR</c>: an existing folder, and with <paramref name="fashionMnistFiles"/> one that holds
    /// Fashion-MNIST's four files; null when not given.
    /// </summary>
    public static Option<string?> DataFolder(string description, bool fashionMnistFiles = false) =>
        Value<string?>("--data", "DIR", description, folder =>
            !Directory.Exists(folder) ? (null, $"folder '{folder}' does not exist.")
            : fashionMnistFiles && !FashionMnist.HasFiles(folder) ? (null, $"'{folder}' does not hold Fashion-MNIST's four files ({string.Join(", ", FashionMnist.FileNames)}).")
            : (folder, null));

    /// <summary>An on/off switch without a value (<c>--quick true</c> is an error, not a spelling of <c>--quick</c>).</summary>
    public static Option<bool> Flag(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>The check that <paramref name="option"/> is not given together with any of <paramref name="others"/> (else <paramref name="message"/>).</summary>
    public static Action<CommandResult> Exclusive(string message, Option option, params Option[] others) => result =>
    {
        if (Given(result, option) && others.Any(other => Given(result, other)))
            result.AddError(message);
    };

    /// <summary>Whether <paramref name="option"/> is on the command line (a default value does not count).</summary>
    public static bool Given(SymbolResult result, Option option) => result.GetResult(option) is { Implicit: false };

    /// <summary>
    /// The option behind <see cref="Value{T}"/> and <see cref="Items"/>: one value per occurrence, each present (not
    /// empty, not starting with <c>--</c>), all of them handed to <paramref name="parse"/> in command-line order.
    /// </summary>
    private static Option<T> Create<T>(string name, string helpName, string description, Func<T>? defaultValue, Func<ArgumentResult, IReadOnlyList<string>, T> parse)
    {
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = helpName,
            // One or more values, so that an option given again adds a value instead of failing; one token per
            // occurrence, so "--epochs 3 5" still leaves "5" as an unknown argument.
            Arity = ArgumentArity.OneOrMore,
            CustomParser = result =>
            {
                var texts = result.Tokens.Select(token => token.Value).ToList();
                // "--epochs 3 --epochs" has one value for two occurrences, which one-or-more would let through.
                bool missing = result.Parent is OptionResult { IdentifierTokenCount: var occurrences } && texts.Count < occurrences;
                if (missing || texts.Any(text => string.IsNullOrWhiteSpace(text) || text.StartsWith("--", StringComparison.Ordinal)))
                {
                    result.AddError($"{name} needs a value.");
                    return default!;
                }
                return parse(result, texts);
            },
        };
        if (defaultValue is not null)
            option.DefaultValueFactory = _ => defaultValue();
        return option;
    }

    private static string WholeNumbers(int min, int max) =>
        max == int.MaxValue ? $"a whole number ≥ {min}" : $"a whole number from {min} to {max}";

    private static (int Value, string? Error) WholeNumber(string text, int min, int max) =>
        TryWholeNumber(text, min, max, out int value) ? (value, null) : (0, $"'{text}' is not {WholeNumbers(min, max)}.");
}

/// <summary>
/// <c>--data DIR</c> and <c>--digits</c>, which exclude each other: the data options of the apps that train on
/// Fashion-MNIST when it is installed (or <c>--data</c> points at it) and on the embedded digits otherwise.
/// </summary>
internal sealed class FashionMnistOrDigits
{
    /// <summary><c>--data DIR</c>: an existing folder, null when not given.</summary>
    public Option<string?> Data { get; } = CommandLineHost.DataFolder(
        "folder with Fashion-MNIST's four IDX files (" + string.Join(", ", FashionMnist.FileNames) + ") [default: " +
        FashionMnist.DefaultDirectory + " when present (apt-get install dataset-fashion-mnist), else the embedded UCI digits]");

    /// <summary><c>--digits</c>: the embedded digits even when Fashion-MNIST is installed.</summary>
    public Option<bool> Digits { get; } =
        CommandLineHost.Flag("--digits", "use the embedded UCI digits (8x8, 1,797 rows) even when Fashion-MNIST is installed");

    /// <summary>The check that <see cref="Data"/> and <see cref="Digits"/> are not both given.</summary>
    public Action<CommandResult> Check => CommandLineHost.Exclusive("--data and --digits exclude each other.", Data, Digits);
}
