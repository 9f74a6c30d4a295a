using SharpServing;
using SharpServing.Imaging;

namespace FaceDetect;

/// <summary>
/// BlazeFace (MediaPipe's short-range, front-camera face detector) pre- and post-processing: the image is letterboxed
/// to 128×128 RGB in [−1, 1] (NHWC); the model scores 896 anchors (16×16 cells × 2 at stride 8, then 8×8 cells × 6 at
/// stride 16) and regresses a box per anchor in input pixels relative to the anchor's centre; overlapping boxes are
/// blended (MediaPipe's weighted non-max suppression).
/// </summary>
public static class BlazeFace
{
    /// <summary>The model's input side, in pixels.</summary>
    public const int InputSize = 128;

    /// <summary>The lowest score kept (after the sigmoid).</summary>
    public const float ScoreThreshold = 0.5f;

    /// <summary>Boxes that overlap more than this (intersection over union) are one face.</summary>
    public const float OverlapThreshold = 0.3f;

    private const int RegressionValues = 16;
    private static readonly Anchor[] s_anchors = CreateAnchors();

    /// <summary>The number of anchors the model scores.</summary>
    public static int AnchorCount => s_anchors.Length;

    /// <summary>Stage 1: decodes a JPEG or PNG image and letterboxes it into the model input f32[128,128,3].</summary>
    /// <returns>The model input and the letterbox (<see cref="Letterbox.ToArray"/>) that maps detections back.</returns>
    public static (Tensor Input, float[] Letterbox) Preprocess(byte[] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Fit(ImageDecoder.Decode(image, ChannelOrder.Rgb));
    }

    /// <summary>Letterboxes an RGB uint8 image [height, width, 3] into the model input f32[128,128,3] in [−1, 1].</summary>
    public static (Tensor Input, float[] Letterbox) Fit(Tensor rgb)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        var height = (int)rgb.Shape[0];
        var width = (int)rgb.Shape[1];
        var scale = (float)InputSize / Math.Max(height, width);
        var resizedHeight = Math.Clamp((int)MathF.Round(height * scale), 1, InputSize);
        var resizedWidth = Math.Clamp((int)MathF.Round(width * scale), 1, InputSize);
        var top = (InputSize - resizedHeight) / 2;
        var left = (InputSize - resizedWidth) / 2;
        var input = rgb.Resize(resizedHeight, resizedWidth)
            .Pad(top, InputSize - resizedHeight - top, left, InputSize - resizedWidth - left)
            .Normalize([0.5f], [0.5f], scale: 1 / 255f);
        var letterbox = new Letterbox((float)resizedWidth / width, (float)resizedHeight / height, left, top, width, height);
        return (input, letterbox.ToArray());
    }

    /// <summary>Stage 3: turns the model's four outputs into face boxes f32[N,4] (x1, y1, x2, y2 in image pixels)
    /// and scores f32[N], best first.</summary>
    public static (Tensor Boxes, Tensor Scores) Postprocess(Tensor scores8, Tensor scores16, Tensor boxes8, Tensor boxes16, float[] letterbox)
    {
        ArgumentNullException.ThrowIfNull(scores8);
        ArgumentNullException.ThrowIfNull(scores16);
        ArgumentNullException.ThrowIfNull(boxes8);
        ArgumentNullException.ThrowIfNull(boxes16);
        var scores = Concat(scores8.AsSpan<float>(), scores16.AsSpan<float>());
        var boxes = Concat(boxes8.AsSpan<float>(), boxes16.AsSpan<float>());
        var detections = Detect(scores, boxes, Letterbox.FromArray(letterbox));
        var boxData = new float[detections.Count * 4];
        var scoreData = new float[detections.Count];
        for (var i = 0; i < detections.Count; i++)
        {
            var d = detections[i];
            (boxData[4 * i], boxData[(4 * i) + 1], boxData[(4 * i) + 2], boxData[(4 * i) + 3]) = (d.X1, d.Y1, d.X2, d.Y2);
            scoreData[i] = d.Score;
        }
        return (Tensor.Create(boxData, detections.Count, 4), Tensor.Create(scoreData, detections.Count));
    }

    /// <summary>Decodes raw scores [896] and regressions [896×16] against the anchors, keeps scores above
    /// <see cref="ScoreThreshold"/>, blends overlapping boxes and maps them to image pixels.</summary>
    public static IReadOnlyList<Detection> Detect(ReadOnlySpan<float> rawScores, ReadOnlySpan<float> regressions, Letterbox letterbox)
    {
        if (rawScores.Length != s_anchors.Length || regressions.Length != s_anchors.Length * RegressionValues)
        {
            throw new ArgumentException(
                $"BlazeFace outputs {s_anchors.Length} scores and {s_anchors.Length * RegressionValues} box values; got {rawScores.Length} and {regressions.Length}.");
        }
        var candidates = new List<Detection>();
        for (var i = 0; i < s_anchors.Length; i++)
        {
            var score = 1 / (1 + MathF.Exp(-Math.Clamp(rawScores[i], -100f, 100f)));
            if (score < ScoreThreshold)
            {
                continue;
            }
            var r = regressions.Slice(i * RegressionValues, 4);
            var centerX = r[0] + (s_anchors[i].X * InputSize);
            var centerY = r[1] + (s_anchors[i].Y * InputSize);
            candidates.Add(new Detection(centerX - (r[2] / 2), centerY - (r[3] / 2), centerX + (r[2] / 2), centerY + (r[3] / 2), score));
        }
        var faces = WeightedNonMaxSuppression(candidates, OverlapThreshold);
        return [.. faces.Select(f => new Detection(letterbox.ToImageX(f.X1), letterbox.ToImageY(f.Y1),
            letterbox.ToImageX(f.X2), letterbox.ToImageY(f.Y2), f.Score))];
    }

    /// <summary>MediaPipe's weighted suppression: the best box absorbs every box overlapping it by more than
    /// <paramref name="overlap"/>; the result is their score-weighted mean with the best box's score.</summary>
    public static List<Detection> WeightedNonMaxSuppression(IEnumerable<Detection> detections, float overlap)
    {
        var remaining = detections.OrderByDescending(d => d.Score).ToList();
        var result = new List<Detection>();
        while (remaining.Count > 0)
        {
            var best = remaining[0];
            var group = remaining.Where(d => best.IoU(d) > overlap).Append(best).Distinct().ToList();
            remaining.RemoveAll(group.Contains);
            var total = group.Sum(d => d.Score);
            result.Add(new Detection(
                group.Sum(d => d.X1 * d.Score) / total, group.Sum(d => d.Y1 * d.Score) / total,
                group.Sum(d => d.X2 * d.Score) / total, group.Sum(d => d.Y2 * d.Score) / total, best.Score));
        }
        return result;
    }

    private static float[] Concat(ReadOnlySpan<float> first, ReadOnlySpan<float> second)
    {
        var all = new float[first.Length + second.Length];
        first.CopyTo(all);
        second.CopyTo(all.AsSpan(first.Length));
        return all;
    }

    // Anchor centres in [0, 1]; the front model's anchors all have unit size, so only centres matter.
    private static Anchor[] CreateAnchors()
    {
        var anchors = new List<Anchor>(896);
        foreach (var (cells, perCell) in new[] { (16, 2), (8, 6) })
        {
            for (var y = 0; y < cells; y++)
            {
                for (var x = 0; x < cells; x++)
                {
                    for (var k = 0; k < perCell; k++)
                    {
                        anchors.Add(new Anchor((x + 0.5f) / cells, (y + 0.5f) / cells));
                    }
                }
            }
        }
        return [.. anchors];
    }

    private readonly record struct Anchor(float X, float Y);
}
