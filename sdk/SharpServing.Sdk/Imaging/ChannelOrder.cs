namespace SharpServing.Imaging;

/// <summary>The order of the three colour channels of a decoded image.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (numpy/PIL order).</summary>
    Rgb = 0,

    /// <summary>Blue, green, red (OpenCV order, which PaddleOCR's models expect).</summary>
    Bgr = 1,
}
