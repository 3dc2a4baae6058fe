namespace MLNet.SoftTargets.Engine;

/// <summary>
/// A training checkpoint: every state tensor (parameters and optimizer state), the step count, and the position in
/// the data (epoch and batches done in it). Shuffling is a pure function of the seed and the epoch, so this is all a
/// resumed run needs to continue exactly as an uninterrupted one. Written atomically (a partial file, then a rename).
/// </summary>
internal sealed record Checkpoint(string Fingerprint, long Step, int Epoch, long BatchesInEpoch, double EpochLossSum, int EpochBatches,
    IReadOnlyDictionary<string, float[]> State, IReadOnlyList<TrainingProgress> History)
{
    private const string FileName = "checkpoint.bin";
    private const int FormatVersion = 2;

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = PathIn(directory);
        string partial = path + ".tmp";
        using (var stream = File.Create(partial))
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(FormatVersion);
            writer.Write(Fingerprint);
            writer.Write(Step);
            writer.Write(Epoch);
            writer.Write(BatchesInEpoch);
            writer.Write(EpochLossSum);
            writer.Write(EpochBatches);
            writer.Write(State.Count);
            foreach (var (name, values) in State)
            {
                writer.Write(name);
                writer.Write(values.Length);
                foreach (var v in values)
                    writer.Write(v);
            }
            writer.Write(History.Count);
            foreach (var h in History)
            {
                writer.Write(h.Epoch);
                writer.Write(h.Step);
                writer.Write(h.TrainingLoss);
                writer.Write(h.ValidationLogLoss ?? double.NaN);
                writer.Write(h.ValidationAccuracy ?? double.NaN);
                writer.Write(h.SamplesPerSecond);
                writer.Write(h.SkippedRows);
                writer.Write(h.EpochSeconds);
                writer.Write(h.StopReason is { } reason ? (int)reason : -1);
            }
        }
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>The checkpoint in <paramref name="directory"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this format.</exception>
    public static Checkpoint? TryRead(string directory)
    {
        string path = PathIn(directory);
        if (!File.Exists(path))
            return null;
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadInt32() != FormatVersion)
            throw new InvalidDataException($"'{path}' is not a checkpoint of format {FormatVersion}.");
        string fingerprint = reader.ReadString();
        long step = reader.ReadInt64();
        int epoch = reader.ReadInt32();
        long batches = reader.ReadInt64();
        double lossSum = reader.ReadDouble();
        int epochBatches = reader.ReadInt32();
        var state = new Dictionary<string, float[]>();
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            var values = new float[reader.ReadInt32()];
            for (int j = 0; j < values.Length; j++)
                values[j] = reader.ReadSingle();
            state[name] = values;
        }
        var history = new List<TrainingProgress>();
        int entries = reader.ReadInt32();
        for (int i = 0; i < entries; i++)
        {
            int e = reader.ReadInt32();
            long s = reader.ReadInt64();
            double loss = reader.ReadDouble();
            double vl = reader.ReadDouble();
            double va = reader.ReadDouble();
            var progress = new TrainingProgress(e, s, loss, double.IsNaN(vl) ? null : vl, double.IsNaN(va) ? null : va,
                reader.ReadDouble(), reader.ReadInt64(), reader.ReadDouble());
            int reason = reader.ReadInt32();
            history.Add(reason < 0 ? progress : progress with { StopReason = (TrainingStopReason)reason });
        }
        return new Checkpoint(fingerprint, step, epoch, batches, lossSum, epochBatches, state, history);
    }

    /// <summary>Captures the runner's state.</summary>
    public static IReadOnlyDictionary<string, float[]> Capture(TrainStepRunner runner, IEnumerable<string> stateNames) =>
        stateNames.ToDictionary(n => n, runner.ReadState);
}
