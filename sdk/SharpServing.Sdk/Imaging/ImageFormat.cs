namespace SharpServing.Imaging;

/// <summary>Encoded image formats the decoder recognises by their signature bytes.</summary>
public enum ImageFormat
{
    /// <summary>Neither JPEG nor PNG.</summary>
    Unknown = 0,

    /// <summary>JPEG (starts with <c>FF D8 FF</c>).</summary>
    Jpeg = 1,

    /// <summary>PNG (starts with <c>89 50 4E 47 0D 0A 1A 0A</c>).</summary>
    Png = 2,
}
