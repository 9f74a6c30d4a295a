namespace FaceDetect;

/// <summary>One detected face: corners in pixels (<c>x1, y1</c> top-left, <c>x2, y2</c> bottom-right) and its score.</summary>
public readonly record struct Detection(float X1, float Y1, float X2, float Y2, float Score)
{
    /// <summary>The box's area (zero when empty).</summary>
    public float Area => Math.Max(0, X2 - X1) * Math.Max(0, Y2 - Y1);

    /// <summary>Intersection over union with <paramref name="other"/>.</summary>
    public float IoU(Detection other)
    {
        var w = Math.Min(X2, other.X2) - Math.Max(X1, other.X1);
        var h = Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }
        var intersection = w * h;
        return intersection / (Area + other.Area - intersection);
    }
}
