namespace SharpServing;

/// <summary>Where a model runs. <see cref="Auto"/> (MindSpore Serving's None) lets the host choose: CPU here.</summary>
public enum DeviceType
{
    Auto = 0,
    Cpu = 1,
    Gpu = 2,
}
