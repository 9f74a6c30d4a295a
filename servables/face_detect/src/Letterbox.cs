namespace FaceDetect;

/// <summary>
/// How an image of <see cref="Width"/> × <see cref="Height"/> pixels was fitted into the model's square input: scaled by
/// <see cref="ScaleX"/>, <see cref="ScaleY"/> and padded by <see cref="PadLeft"/>, <see cref="PadTop"/> pixels.
/// Carried between stages as a float array (<see cref="ToArray"/>, <see cref="FromArray"/>).
/// </summary>
public readonly record struct Letterbox(float ScaleX, float ScaleY, float PadLeft, float PadTop, float Width, float Height)
{
    /// <summary>The fields in declaration order.</summary>
    public float[] ToArray() => [ScaleX, ScaleY, PadLeft, PadTop, Width, Height];

    /// <summary>Reads what <see cref="ToArray"/> wrote.</summary>
    public static Letterbox FromArray(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != 6)
        {
            throw new ArgumentException($"A letterbox has 6 values, got {values.Length}.", nameof(values));
        }
        return new Letterbox(values[0], values[1], values[2], values[3], values[4], values[5]);
    }

    /// <summary>Maps an x coordinate of the model input (pixels) back to the original image, clamped into it.</summary>
    public float ToImageX(float x) => Math.Clamp((x - PadLeft) / ScaleX, 0, Width);

    /// <summary>Maps a y coordinate of the model input (pixels) back to the original image, clamped into it.</summary>
    public float ToImageY(float y) => Math.Clamp((y - PadTop) / ScaleY, 0, Height);
}
