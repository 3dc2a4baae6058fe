namespace MLNet.SoftTargets;

/// <summary>Where training runs: <see cref="Auto"/>, <see cref="Cpu"/> or <see cref="Cuda"/> (a GPU by index).</summary>
public readonly record struct TrainingDevice
{
    private TrainingDevice(TrainingDeviceKind kind, int deviceId)
    {
        Kind = kind;
        DeviceId = deviceId;
    }

    /// <summary>Tries CUDA device 0 and falls back to the CPU, logging one line that says why.</summary>
    public static TrainingDevice Auto { get; } = new(TrainingDeviceKind.Auto, 0);

    /// <summary>The CPU; CUDA is never tried.</summary>
    public static TrainingDevice Cpu { get; } = new(TrainingDeviceKind.Cpu, 0);

    /// <summary>Auto, Cpu or Cuda.</summary>
    public TrainingDeviceKind Kind { get; }

    /// <summary>The CUDA device index (0 for <see cref="Auto"/> and <see cref="Cpu"/>).</summary>
    public int DeviceId { get; }

    /// <summary>CUDA device <paramref name="deviceId"/>; training fails with a clear error when CUDA cannot be loaded.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deviceId"/> is negative.</exception>
    public static TrainingDevice Cuda(int deviceId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceId);
        return new(TrainingDeviceKind.Cuda, deviceId);
    }

    /// <inheritdoc/>
    public override string ToString() => Kind == TrainingDeviceKind.Cuda ? $"Cuda({DeviceId})" : Kind.ToString();
}

/// <summary>The kinds of <see cref="TrainingDevice"/>.</summary>
public enum TrainingDeviceKind
{
    /// <summary>CUDA when it loads, else the CPU.</summary>
    Auto = 0,

    /// <summary>The CPU only.</summary>
    Cpu = 1,

    /// <summary>CUDA only.</summary>
    Cuda = 2,
}
