using System.Buffers.Binary;
using System.Security.Cryptography;
using SharpServing.Engine.Configuration;

namespace SharpServing.Engine.Loading;

/// <summary>
/// The encrypted model file format (docs/model-encryption.md): an 8-byte header (magic <c>SSME</c>, format version 1,
/// mode, two reserved zero bytes), then for AES-GCM a 12-byte nonce, a 16-byte tag and the ciphertext (the header is
/// the associated data); for AES-CBC a 16-byte IV and the PKCS#7-padded ciphertext. Keys are 16, 24 or 32 bytes.
/// </summary>
public static class ModelCrypto
{
    /// <summary>The header's length in bytes.</summary>
    public const int HeaderSize = 8;

    /// <summary>The format version this code writes and reads.</summary>
    public const byte FormatVersion = 1;

    private const int GcmNonceSize = 12;
    private const int GcmTagSize = 16;
    private const int CbcIvSize = 16;
    private const byte GcmModeByte = 1;
    private const byte CbcModeByte = 2;

    private static ReadOnlySpan<byte> Magic => "SSME"u8;

    /// <summary>Whether <paramref name="data"/> starts with the encrypted-model header.</summary>
    public static bool IsEncrypted(ReadOnlySpan<byte> data) => data.Length >= HeaderSize && data[..4].SequenceEqual(Magic);

    /// <summary>Encrypts a model file's bytes with a fresh random nonce (GCM) or IV (CBC).</summary>
    /// <exception cref="ArgumentException">The key is not 16, 24 or 32 bytes.</exception>
    public static byte[] Encrypt(ReadOnlySpan<byte> model, ReadOnlySpan<byte> key, ModelEncryptionMode mode)
    {
        CheckKey(key);
        if (mode == ModelEncryptionMode.AesGcm)
        {
            var output = new byte[HeaderSize + GcmNonceSize + GcmTagSize + model.Length];
            WriteHeader(output, GcmModeByte);
            var nonce = output.AsSpan(HeaderSize, GcmNonceSize);
            RandomNumberGenerator.Fill(nonce);
            using var gcm = new AesGcm(key, GcmTagSize);
            gcm.Encrypt(nonce, model, output.AsSpan(HeaderSize + GcmNonceSize + GcmTagSize), output.AsSpan(HeaderSize + GcmNonceSize, GcmTagSize),
                output.AsSpan(0, HeaderSize));
            return output;
        }
        if (mode == ModelEncryptionMode.AesCbc)
        {
            using var aes = Aes.Create();
            var keyCopy = key.ToArray();
            aes.Key = keyCopy;
            CryptographicOperations.ZeroMemory(keyCopy);
            var iv = new byte[CbcIvSize];
            RandomNumberGenerator.Fill(iv);
            var length = aes.GetCiphertextLengthCbc(model.Length, PaddingMode.PKCS7);
            var output = new byte[HeaderSize + CbcIvSize + length];
            WriteHeader(output, CbcModeByte);
            iv.CopyTo(output.AsSpan(HeaderSize));
            aes.EncryptCbc(model, iv, output.AsSpan(HeaderSize + CbcIvSize), PaddingMode.PKCS7);
            return output;
        }
        throw new ArgumentOutOfRangeException(nameof(mode), mode, "The mode must be AES-GCM or AES-CBC.");
    }

    /// <summary>
    /// Decrypts an encrypted model file into a new pinned array (so the garbage collector never copies the plaintext
    /// around). The caller zeroes it (<see cref="CryptographicOperations.ZeroMemory"/>) once the model is loaded.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not 16, 24 or 32 bytes.</exception>
    /// <exception cref="CryptographicException">Not an encrypted model, another mode than <paramref name="mode"/>, an
    /// unknown format version, a truncated file, or a wrong key; the message says which.</exception>
    public static byte[] Decrypt(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key, ModelEncryptionMode mode)
    {
        CheckKey(key);
        if (!IsEncrypted(data))
        {
            throw new CryptographicException("the model file is not encrypted (it does not start with the SSME header), but dec_key is set");
        }
        if (data[4] != FormatVersion)
        {
            throw new CryptographicException($"the model file has encryption format version {data[4]}; this server reads version {FormatVersion}");
        }
        var fileMode = data[5] switch
        {
            GcmModeByte => ModelEncryptionMode.AesGcm,
            CbcModeByte => ModelEncryptionMode.AesCbc,
            _ => throw new CryptographicException($"the model file names an unknown cipher mode {data[5]}"),
        };
        if (fileMode != mode)
        {
            throw new CryptographicException(
                $"the model file is encrypted with {ServableStartConfig.FormatDecMode(fileMode)}, but dec_mode is {ServableStartConfig.FormatDecMode(mode)}");
        }
        return mode == ModelEncryptionMode.AesGcm ? DecryptGcm(data, key) : DecryptCbc(data, key);
    }

    private static byte[] DecryptGcm(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        const int bodyOffset = HeaderSize + GcmNonceSize + GcmTagSize;
        if (data.Length < bodyOffset)
        {
            throw new CryptographicException("the encrypted model file is truncated");
        }
        var plain = GC.AllocateUninitializedArray<byte>(data.Length - bodyOffset, pinned: true);
        try
        {
            using var gcm = new AesGcm(key, GcmTagSize);
            gcm.Decrypt(data.Slice(HeaderSize, GcmNonceSize), data[bodyOffset..], data.Slice(HeaderSize + GcmNonceSize, GcmTagSize), plain,
                data[..HeaderSize]);
            return plain;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plain);
            throw new CryptographicException("AES-GCM authentication failed: the dec_key is wrong or the model file is damaged");
        }
    }

    private static byte[] DecryptCbc(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        const int bodyOffset = HeaderSize + CbcIvSize;
        var body = data[bodyOffset..];
        if (data.Length < bodyOffset + CbcIvSize || body.Length % CbcIvSize != 0)
        {
            throw new CryptographicException("the encrypted model file is truncated");
        }
        var keyCopy = GC.AllocateUninitializedArray<byte>(key.Length, pinned: true);
        var plain = GC.AllocateUninitializedArray<byte>(body.Length, pinned: true);
        try
        {
            key.CopyTo(keyCopy);
            using var aes = Aes.Create();
            aes.Key = keyCopy;
            var written = aes.DecryptCbc(body, data.Slice(HeaderSize, CbcIvSize), plain, PaddingMode.PKCS7);
            if (written == plain.Length)
            {
                return plain;
            }
            var exact = GC.AllocateUninitializedArray<byte>(written, pinned: true);
            plain.AsSpan(0, written).CopyTo(exact);
            CryptographicOperations.ZeroMemory(plain);
            return exact;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plain);
            throw new CryptographicException("AES-CBC padding check failed: the dec_key is wrong or the model file is damaged");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
        }
    }

    private static void WriteHeader(Span<byte> output, byte mode)
    {
        Magic.CopyTo(output);
        output[4] = FormatVersion;
        output[5] = mode;
        BinaryPrimitives.WriteUInt16LittleEndian(output[6..], 0);
    }

    private static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException($"Parameter 'dec_key' should be 16, 24 or 32 bytes, but actually {key.Length} bytes", nameof(key));
        }
    }
}
