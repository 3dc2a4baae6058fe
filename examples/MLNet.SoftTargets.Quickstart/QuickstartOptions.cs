using System.Globalization;

namespace MLNet.SoftTargets.Quickstart;

/// <summary>Command-line options of the quickstart.</summary>
internal sealed record QuickstartOptions
{
    public const string HelpText =
        "  --dataset digits|fashion  the embedded UCI digits, or Fashion-MNIST (default: Fashion-MNIST when\n" +
        "                            /usr/share/datasets/fashion-mnist exists, else the digits)\n" +
        "  --data <folder>           Fashion-MNIST IDX files in <folder> (implies --dataset fashion)\n" +
        "  --epochs N                training epochs (default 30 on the digits, 10 on Fashion-MNIST)\n" +
        "  --rows N                  test rows to predict with the reloaded model (default 5)\n" +
        "  --out <folder>            where the PNG and the model zip go (default ./quickstart-output)";

    public string? DataDirectory { get; init; }

    public int? Epochs { get; init; }

    public int PredictRows { get; init; } = 5;

    public string OutputDirectory { get; init; } = "quickstart-output";

    public bool Help { get; init; }

    public static bool TryParse(string[] args, out QuickstartOptions options, out string? error)
    {
        options = new QuickstartOptions { DataDirectory = Datasets.FashionMnist.TryFindDefault() };
        error = null;
        string? dataset = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? Value()
            {
                if (i + 1 < args.Length)
                    return args[++i];
                return null;
            }
            switch (arg)
            {
                case "--help" or "-h":
                    options = options with { Help = true };
                    break;
                case "--dataset":
                    dataset = Value();
                    if (dataset is not ("digits" or "fashion"))
                    {
                        error = $"--dataset must be 'digits' or 'fashion', got '{dataset}'.";
                        return false;
                    }
                    break;
                case "--data":
                    string? folder = Value();
                    if (folder is null || !Directory.Exists(folder))
                    {
                        error = $"--data needs an existing folder with the Fashion-MNIST IDX files, got '{folder}'.";
                        return false;
                    }
                    if (!Datasets.FashionMnist.HasFiles(folder))
                    {
                        error = $"--data '{folder}' lacks one of {string.Join(", ", Datasets.FashionMnist.FileNames)}.";
                        return false;
                    }
                    options = options with { DataDirectory = folder };
                    dataset = "fashion";
                    break;
                case "--epochs" or "--rows":
                    string? text = Value();
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > 10_000)
                    {
                        error = $"{arg} needs a whole number from 1 to 10000, got '{text}'.";
                        return false;
                    }
                    options = arg == "--epochs" ? options with { Epochs = n } : options with { PredictRows = n };
                    break;
                case "--out":
                    string? output = Value();
                    if (string.IsNullOrWhiteSpace(output))
                    {
                        error = "--out needs a folder.";
                        return false;
                    }
                    options = options with { OutputDirectory = output };
                    break;
                default:
                    error = $"unknown argument '{arg}'.";
                    return false;
            }
        }
        if (dataset == "digits")
            options = options with { DataDirectory = null };
        else if (dataset == "fashion" && options.DataDirectory is null)
        {
            error = $"Fashion-MNIST is not at {Datasets.FashionMnist.DefaultDirectory} (apt-get install dataset-fashion-mnist), and no --data was given.";
            return false;
        }
        return true;
    }
}
