namespace SharpServing.Engine.Configuration;

/// <summary>The cipher of encrypted model files (<c>dec_mode</c>).</summary>
public enum ModelEncryptionMode
{
    /// <summary><c>AES-GCM</c>: authenticated; a wrong key is always detected. The default.</summary>
    AesGcm = 0,

    /// <summary><c>AES-CBC</c> with PKCS#7 padding: not authenticated; a wrong key shows as a padding or model-parse error.</summary>
    AesCbc = 1,
}
