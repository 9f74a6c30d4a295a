// The ocr servable: MindSpore Serving's multi-model OCR example with PaddleOCR's models.
// detection (det.onnx) -> direction classifier (cls.onnx) -> recognition (rec.onnx, greedy CTC over keys.txt).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text;
using SharpServing;
using SharpServing.Imaging;

var det = DeclareModel("det.onnx");
var cls = DeclareModel("cls.onnx");
var rec = DeclareModel("rec.onnx");
// rec's classes: 0 is the CTC blank, 1..6623 the lines of keys.txt, 6624 a space.
var keys = File.ReadAllLines(Path.Combine(VersionDirectory, "keys.txt"));

// recognize(image) -> text: the lines read, top to bottom, joined with '\n'.
RegisterMethod("recognize", outputs: ["text"], image =>
{
    var (input, decoded) = AddStage(DetPreprocess, image, outputsCount: 2);
    var probability = AddStage(det, input);
    return AddStage(Recognize, probability, decoded);
});

// detect(image) -> boxes: int32 [N, 4, 2], the corners (x, y) of each text box: top-left, top-right, bottom-right, bottom-left.
RegisterMethod("detect", outputs: ["boxes"], image =>
{
    var (input, decoded) = AddStage(DetPreprocess, image, outputsCount: 2);
    var probability = AddStage(det, input);
    return AddStage(Detect, probability, decoded);
});

// Decodes a PNG or JPEG image (BGR, as PaddleOCR reads it) and makes det's input: scaled to Ocr.DetSize (the aspect ratio
// kept: stretched to multiples of 32, text lost its spaces and thin lines their letters), ImageNet mean and std, padded with zeros at the bottom and right
// to multiples of 32. Returns det's input f32[3, H, W] and the decoded image u8[h, w, 3].
static (Tensor Input, Tensor Image) DetPreprocess(byte[] image)
{
    var bgr = ImageDecoder.Decode(image, ChannelOrder.Bgr);
    int height = (int)bgr.Shape[0], width = (int)bgr.Shape[1];
    var (scaledHeight, scaledWidth) = Ocr.DetSize(height, width);
    var input = (scaledHeight == height && scaledWidth == width ? bgr : bgr.Resize(scaledHeight, scaledWidth))
        .NormalizeToChw([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], scale: 1 / 255f,
            padBottom: (32 - (scaledHeight % 32)) % 32, padRight: (32 - (scaledWidth % 32)) % 32);
    return (input, bgr);
}

static Tensor Detect(Tensor probability, Tensor image)
{
    var boxes = Ocr.FindTextBoxes(probability, image);
    var corners = new int[boxes.Count * 8];
    for (var i = 0; i < boxes.Count; i++)
    {
        for (var k = 0; k < 4; k++)
        {
            corners[(i * 8) + (2 * k)] = (int)MathF.Round(boxes[i][k].X);
            corners[(i * 8) + (2 * k) + 1] = (int)MathF.Round(boxes[i][k].Y);
        }
    }
    return Tensor.Create(corners, boxes.Count, 4, 2);
}

// Crops every text box, turns the upside-down ones (cls), reads each line at its own width (rec) and joins the lines.
string Recognize(Tensor probability, Tensor image)
{
    var boxes = Ocr.FindTextBoxes(probability, image).Select(Ocr.Upright).ToList();
    if (boxes.Count == 0)
    {
        return "";
    }
    var windows = boxes.Select(Ocr.ClsWindows).ToList();
    var directions = cls.CallBatch([.. windows.SelectMany(w => w).Select(w => new[] { Ocr.Crop(image, w, Ocr.ClsWidth) })]);
    var next = 0;
    for (var i = 0; i < boxes.Count; i++)
    {
        var flipped = 0f;
        foreach (var _ in windows[i])
        {
            flipped += directions[next++][0].AsSpan<float>()[1];
        }
        if (flipped / windows[i].Length > Ocr.FlipScore)
        {
            boxes[i] = Ocr.Rotate180(boxes[i]);
        }
    }
    // One line per rec call at its own width: no padding, which the model reads as more text (spaces lost, or a whole
    // short line lost next to a long one).
    var lines = new List<(Ocr.Point[] Box, string Text)>();
    foreach (var box in boxes)
    {
        var scores = rec.Call(Ocr.Crop(image, box, Ocr.RecWidth(box)));
        var (line, confidence) = Ocr.CtcDecode(scores[0], keys);
        if (line.Length > 0 && confidence >= Ocr.MinLineScore)
        {
            lines.Add((box, line));
        }
    }
    return Ocr.JoinLines(lines);
}

// The model-independent geometry and decoding.
static class Ocr
{
    public const int DetMinSide = 64;          // PaddleOCR 3: limit_type "min", limit_side_len 64
    public const int DetMaxSide = 4000;        // PaddleOCR 3: max_side_limit
    public const float DetThreshold = 0.3f;    // text probability of a pixel
    public const float BoxThreshold = 0.6f;    // mean probability of a region
    public const float UnclipRatio = 1.5f;     // the map shrinks text; grow boxes back by area * ratio / perimeter
    public const int LineHeight = 48;
    public const int ClsWidth = 192;
    public const int RecMinWidth = 16;
    public const float FlipScore = 0.9f;
    public const float MinLineScore = 0.5f;

    public readonly record struct Point(float X, float Y);

    // det's input size before padding: the image scaled so that the shorter side is at least DetMinSide and the longer at
    // most DetMaxSide (PaddleOCR 3's defaults), never otherwise.
    public static (int Height, int Width) DetSize(int height, int width)
    {
        var scale = Math.Min(Math.Max(1.0, DetMinSide / (double)Math.Min(height, width)), DetMaxSide / (double)Math.Max(height, width));
        return (Math.Max((int)Math.Round(height * scale), 1), Math.Max((int)Math.Round(width * scale), 1));
    }

    public static float Distance(Point a, Point b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    // Width over height of a box (tl, tr, br, bl).
    public static float AspectRatio(Point[] b)
        => Math.Max(Distance(b[0], b[1]), Distance(b[2], b[3])) / Math.Max(1f, Math.Max(Distance(b[0], b[3]), Distance(b[1], b[2])));

    public static Point[] Rotate180(Point[] b) => [b[2], b[3], b[0], b[1]];

    // A box at least 1.5 times as tall as wide holds vertical text: turn it a quarter counter-clockwise to read it.
    public static Point[] Upright(Point[] b)
        => Math.Max(Distance(b[0], b[3]), Distance(b[1], b[2])) >= 1.5f * Math.Max(Distance(b[0], b[1]), Distance(b[2], b[3]))
            ? [b[1], b[2], b[3], b[0]]
            : b;

    // rec's width for a box: LineHeight high at the box's aspect ratio.
    public static int RecWidth(Point[] box) => Math.Max(RecMinWidth, (int)Math.Ceiling(LineHeight * AspectRatio(box)));

    // cls reads a 4:1 window (ClsWidth x LineHeight); a longer line squeezed into it no longer looks like text and gets
    // turned at random, so a long line is classified in windows of that shape (its start, middle and end), scores averaged.
    public static Point[][] ClsWindows(Point[] box)
    {
        var window = ClsWidth / (float)LineHeight / AspectRatio(box);
        if (window >= 1)
        {
            return [box];
        }
        return [.. new[] { 0f, (1 - window) / 2, 1 - window }.Select(start => Part(box, start, start + window))];
    }

    // The part of a box (tl, tr, br, bl) between fractions `from` and `to` of its width.
    private static Point[] Part(Point[] b, float from, float to)
        => [At(b[0], b[1], from), At(b[0], b[1], to), At(b[3], b[2], to), At(b[3], b[2], from)];

    private static Point At(Point a, Point b, float t) => new(Lerp(a.X, b.X, t), Lerp(a.Y, b.Y, t));

    // Groups the read boxes into lines along the text's own axes (the mean direction of the boxes, so a tilted or
    // upside-down page reads in its own order): boxes whose centres lie within half a box height across the text
    // direction share a line, joined left to right with a space; lines are joined with '\n'.
    public static string JoinLines(List<(Point[] Box, string Text)> boxes)
    {
        if (boxes.Count == 0)
        {
            return "";
        }
        float ux = 0, uy = 0;
        foreach (var (b, _) in boxes)
        {
            var length = Math.Max(Distance(b[0], b[1]), 1e-3f);
            ux += (b[1].X - b[0].X) / length;
            uy += (b[1].Y - b[0].Y) / length;
        }
        var norm = MathF.Sqrt((ux * ux) + (uy * uy));
        (ux, uy) = norm > 1e-3f ? (ux / norm, uy / norm) : (1f, 0f);
        var placed = boxes.Select(b =>
        {
            float cx = (b.Box[0].X + b.Box[1].X + b.Box[2].X + b.Box[3].X) / 4, cy = (b.Box[0].Y + b.Box[1].Y + b.Box[2].Y + b.Box[3].Y) / 4;
            return (b.Text, Along: (cx * ux) + (cy * uy), Across: (cy * ux) - (cx * uy),
                Height: (Distance(b.Box[0], b.Box[3]) + Distance(b.Box[1], b.Box[2])) / 2);
        }).OrderBy(b => b.Across).ToList();
        var lines = new List<List<(string Text, float Along, float Across, float Height)>>();
        foreach (var box in placed)
        {
            var line = lines.Count > 0 ? lines[^1] : null;
            if (line is not null && Math.Abs(box.Across - line[0].Across) < 0.5f * Math.Min(box.Height, line[0].Height))
            {
                line.Add(box);
            }
            else
            {
                lines.Add([box]);
            }
        }
        return string.Join('\n', lines.Select(l => string.Join(' ', l.OrderBy(b => b.Along).Select(b => b.Text))));
    }

    // Greedy CTC: the best class per step, repeats collapsed, blanks dropped. Returns the text and its mean probability.
    public static (string Text, float Confidence) CtcDecode(Tensor scores, string[] keys)
    {
        var data = scores.AsSpan<float>();
        var classes = (int)scores.Shape[^1];
        var text = new StringBuilder();
        var previous = 0;
        var total = 0f;
        for (var t = 0; t < data.Length / classes; t++)
        {
            var row = data.Slice(t * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }
            if (best != 0 && best != previous)
            {
                text.Append(best <= keys.Length ? keys[best - 1] : " ");
                total += row[best];
            }
            previous = best;
        }
        var count = text.Length;
        return (text.ToString().Trim(), count == 0 ? 0 : total / count);
    }

    // Samples the box (tl, tr, br, bl) of a BGR u8 image LineHeight pixels high, keeping its aspect ratio up to `width`,
    // into rec/cls input f32[3, LineHeight, width]: (x / 255 - 0.5) / 0.5 as both were trained, the rest of the width
    // zero. Bicubic (OpenCV's kernel, as PaddleOCR's crop warp): bilinear blurs a photographed page's small print beyond
    // reading.
    public static Tensor Crop(Tensor image, Point[] box, int width)
    {
        const int Height = LineHeight;
        int imageHeight = (int)image.Shape[0], imageWidth = (int)image.Shape[1];
        var pixels = image.AsSpan<byte>();
        var used = Math.Clamp((int)Math.Ceiling(Height * AspectRatio(box)), 1, width);
        var tensor = RequestMemory.Allocate(DataType.Float32, 3, Height, width);
        var result = tensor.AsWritableSpan<float>();
        result.Clear();
        Span<float> wx = stackalloc float[4];
        Span<float> wy = stackalloc float[4];
        Span<int> columns = stackalloc int[4];
        Span<int> rows = stackalloc int[4];
        var plane = Height * width;
        for (var v = 0; v < Height; v++)
        {
            var t = (v + 0.5f) / Height;
            for (var u = 0; u < used; u++)
            {
                var s = (u + 0.5f) / used;
                var x = Lerp(Lerp(box[0].X, box[1].X, s), Lerp(box[3].X, box[2].X, s), t) - 0.5f;
                var y = Lerp(Lerp(box[0].Y, box[1].Y, s), Lerp(box[3].Y, box[2].Y, s), t) - 0.5f;
                int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
                CubicWeights(x - x0, wx);
                CubicWeights(y - y0, wy);
                for (var k = 0; k < 4; k++)
                {
                    columns[k] = Math.Clamp(x0 - 1 + k, 0, imageWidth - 1) * 3;
                    rows[k] = Math.Clamp(y0 - 1 + k, 0, imageHeight - 1) * imageWidth * 3;
                }
                float b = 0, g = 0, r = 0;
                for (var j = 0; j < 4; j++)
                {
                    for (var i = 0; i < 4; i++)
                    {
                        var weight = wy[j] * wx[i];
                        var at = rows[j] + columns[i];
                        b += weight * pixels[at];
                        g += weight * pixels[at + 1];
                        r += weight * pixels[at + 2];
                    }
                }
                var index = (v * width) + u;
                result[index] = (Math.Clamp(b, 0f, 255f) / 127.5f) - 1f;
                result[plane + index] = (Math.Clamp(g, 0f, 255f) / 127.5f) - 1f;
                result[(2 * plane) + index] = (Math.Clamp(r, 0f, 255f) / 127.5f) - 1f;
            }
        }
        return tensor;
    }

    private static float Lerp(float a, float b, float t) => a + ((b - a) * t);

    // OpenCV's bicubic kernel (a = -0.75): the weights of the 4 taps around a sample at fraction t past the second.
    private static void CubicWeights(float t, Span<float> w)
    {
        const float A = -0.75f;
        w[0] = ((((A * (t + 1)) - (5 * A)) * (t + 1)) + (8 * A)) * (t + 1) - (4 * A);
        w[1] = ((((A + 2) * t) - (A + 3)) * t * t) + 1;
        w[2] = ((((A + 2) * (1 - t)) - (A + 3)) * (1 - t) * (1 - t)) + 1;
        w[3] = 1 - w[0] - w[1] - w[2];
    }

    // DB post-processing: pixels above DetThreshold, 8-connected regions, each region's minimum-area rectangle, kept if
    // the region's mean probability passes BoxThreshold, grown by the unclip distance and scaled to the image; boxes that
    // then overlap on one line merged. Sorted in reading order: top to bottom, left to right within 10 pixels of height.
    public static List<Point[]> FindTextBoxes(Tensor probability, Tensor image)
    {
        var map = probability.AsSpan<float>();
        int mapHeight = (int)probability.Shape[^2], mapWidth = (int)probability.Shape[^1];
        int imageHeight = (int)image.Shape[0], imageWidth = (int)image.Shape[1];
        // det's input is the image scaled to DetSize and padded at the bottom and right.
        var (scaledHeight, scaledWidth) = DetSize(imageHeight, imageWidth);
        float scaleX = (float)imageWidth / scaledWidth, scaleY = (float)imageHeight / scaledHeight;
        var seen = RequestMemory.Allocate(DataType.Bool, map.Length).AsWritableSpan<bool>();
        seen.Clear();
        // The region being filled: each row's leftmost and rightmost pixel (int.MaxValue and -1 where it has none).
        var rowMin = new int[mapHeight];
        var rowMax = new int[mapHeight];
        rowMin.AsSpan().Fill(int.MaxValue);
        rowMax.AsSpan().Fill(-1);
        var pending = new Stack<(int Y, int X)>();
        var boxes = new List<Point[]>();
        for (var start = NextText(map, 0); start < map.Length; start = NextText(map, start + 1))
        {
            if (seen[start])
            {
                // A run is filled whole: skip the rest of it.
                while (start + 1 < map.Length && seen[start + 1])
                {
                    start++;
                }
                continue;
            }
            // Scanline fill of the 8-connected region: each pending seed grows into its whole run of text pixels along
            // the row, and the runs that touch it in the rows above and below (one pixel further at each end) are seeded.
            int top = start / mapWidth, bottom = top, count = 0;
            var sum = 0.0;
            pending.Push((top, start % mapWidth));
            while (pending.TryPop(out var seed))
            {
                var row = map.Slice(seed.Y * mapWidth, mapWidth);
                var rowSeen = seen.Slice(seed.Y * mapWidth, mapWidth);
                if (rowSeen[seed.X])
                {
                    continue;
                }
                int left = seed.X, right = seed.X;
                while (left > 0 && row[left - 1] > DetThreshold)
                {
                    left--;
                }
                while (right < mapWidth - 1 && row[right + 1] > DetThreshold)
                {
                    right++;
                }
                rowSeen[left..(right + 1)].Fill(true);
                count += right - left + 1;
                foreach (var value in row[left..(right + 1)])
                {
                    sum += value;
                }
                rowMin[seed.Y] = Math.Min(rowMin[seed.Y], left);
                rowMax[seed.Y] = Math.Max(rowMax[seed.Y], right);
                (top, bottom) = (Math.Min(top, seed.Y), Math.Max(bottom, seed.Y));
                int from = Math.Max(left - 1, 0), to = Math.Min(right + 1, mapWidth - 1);
                foreach (var y in (ReadOnlySpan<int>)[seed.Y - 1, seed.Y + 1])
                {
                    if (y < 0 || y >= mapHeight)
                    {
                        continue;
                    }
                    var next = map.Slice(y * mapWidth, mapWidth);
                    var nextSeen = seen.Slice(y * mapWidth, mapWidth);
                    for (var x = from; x <= to; x++)
                    {
                        if (next[x] > DetThreshold)
                        {
                            if (!nextSeen[x])
                            {
                                pending.Push((y, x));
                            }
                            while (x < to && next[x + 1] > DetThreshold)
                            {
                                x++;
                            }
                        }
                    }
                }
            }
            var keep = count >= 4 && sum / count >= BoxThreshold;
            var mins = rowMin.AsSpan(top, bottom - top + 1);
            var maxes = rowMax.AsSpan(top, bottom - top + 1);
            var rect = keep ? MinAreaRect(mins, maxes, top) : default;
            mins.Fill(int.MaxValue);
            maxes.Fill(-1);
            if (!keep || Math.Min(rect.Width, rect.Height) < 3)
            {
                continue;
            }
            var grow = rect.Width * rect.Height * UnclipRatio / (2 * (rect.Width + rect.Height));
            rect = rect with { Width = rect.Width + (2 * grow), Height = rect.Height + (2 * grow) };
            var corners = rect.Corners()
                .Select(c => new Point(Math.Clamp(c.X * scaleX, 0, imageWidth), Math.Clamp(c.Y * scaleY, 0, imageHeight)))
                .ToArray();
            var box = OrderCorners(corners);
            if (Distance(box[0], box[1]) > 3 && Distance(box[0], box[3]) > 3)
            {
                boxes.Add(box);
            }
        }
        MergeOverlapping(boxes);
        boxes.Sort((a, b) => a[0].Y != b[0].Y ? a[0].Y.CompareTo(b[0].Y) : a[0].X.CompareTo(b[0].X));
        for (var i = 0; i < boxes.Count - 1; i++)
        {
            for (var j = i; j >= 0 && Math.Abs(boxes[j + 1][0].Y - boxes[j][0].Y) < 10 && boxes[j + 1][0].X < boxes[j][0].X; j--)
            {
                (boxes[j], boxes[j + 1]) = (boxes[j + 1], boxes[j]);
            }
        }
        return boxes;
    }

    // The first pixel at or after `from` whose text probability is above DetThreshold, or map.Length. Most of a page is
    // background: comparing a vector of pixels at a time skips it without a branch per pixel.
    private static int NextText(ReadOnlySpan<float> map, int from)
    {
        var i = from;
        var threshold = new Vector<float>(DetThreshold);
        for (; i <= map.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            if (Vector.GreaterThanAny(new Vector<float>(map[i..]), threshold))
            {
                break;
            }
        }
        while (i < map.Length && !(map[i] > DetThreshold))
        {
            i++;
        }
        return i;
    }

    // Grown by the unclip distance, the boxes of words in large print overlap their neighbours on the line, and each
    // crop would read a letter of the next word. Boxes on one line that overlap along it become one box.
    private static void MergeOverlapping(List<Point[]> boxes)
    {
        for (var merged = true; merged;)
        {
            merged = false;
            for (var i = 0; i < boxes.Count && !merged; i++)
            {
                for (var j = i + 1; j < boxes.Count && !merged; j++)
                {
                    if (Union(boxes[i], boxes[j]) is { } union)
                    {
                        boxes[i] = union;
                        boxes.RemoveAt(j);
                        merged = true;
                    }
                }
            }
        }
    }

    // The rectangle along a's axes around a and b when b's centre lies on a's line (within half the smaller height across
    // it) and the two overlap along it; otherwise null.
    private static Point[] Union(Point[] a, Point[] b)
    {
        var length = Math.Max(Distance(a[0], a[1]), 1e-3f);
        float ux = (a[1].X - a[0].X) / length, uy = (a[1].Y - a[0].Y) / length;
        float Along(Point p) => (p.X * ux) + (p.Y * uy);
        float Across(Point p) => (p.Y * ux) - (p.X * uy);
        float aCentre = a.Average(Across), bCentre = b.Average(Across);
        var height = Math.Min(Distance(a[0], a[3]), Distance(b[0], b[3]));
        float aStart = a.Min(Along), aEnd = a.Max(Along), bStart = b.Min(Along), bEnd = b.Max(Along);
        if (Math.Abs(aCentre - bCentre) >= 0.5f * height || Math.Min(aEnd, bEnd) <= Math.Max(aStart, bStart))
        {
            return null;
        }
        float start = Math.Min(aStart, bStart), end = Math.Max(aEnd, bEnd);
        float top = Math.Min(a.Min(Across), b.Min(Across)), bottom = Math.Max(a.Max(Across), b.Max(Across));
        Point At(float along, float across) => new((along * ux) - (across * uy), (along * uy) + (across * ux));
        return [At(start, top), At(end, top), At(end, bottom), At(start, bottom)];
    }

    // tl, tr, br, bl: of the two leftmost corners the upper is tl; of the two rightmost the upper is tr.
    private static Point[] OrderCorners(Point[] p)
    {
        var byX = p.OrderBy(c => c.X).ToArray();
        var (tl, bl) = byX[0].Y <= byX[1].Y ? (byX[0], byX[1]) : (byX[1], byX[0]);
        var (tr, br) = byX[2].Y <= byX[3].Y ? (byX[2], byX[3]) : (byX[3], byX[2]);
        return [tl, tr, br, bl];
    }

    private readonly record struct RotatedRect(float CenterX, float CenterY, float Width, float Height, float Cos, float Sin)
    {
        public Point[] Corners()
        {
            float ux = Cos * Width / 2, uy = Sin * Width / 2, vx = -Sin * Height / 2, vy = Cos * Height / 2;
            return [new(CenterX - ux - vx, CenterY - uy - vy), new(CenterX + ux - vx, CenterY + uy - vy),
                    new(CenterX + ux + vx, CenterY + uy + vy), new(CenterX - ux + vx, CenterY - uy + vy)];
        }
    }

    // Rotating calipers: the smallest rectangle around the region has a side along an edge of its convex hull.
    private static RotatedRect MinAreaRect(ReadOnlySpan<int> rowMin, ReadOnlySpan<int> rowMax, int top)
    {
        // Only each row's leftmost and rightmost pixel squares can reach the hull.
        var points = new List<Point>(rowMin.Length * 4);
        for (var i = 0; i < rowMin.Length; i++)
        {
            if (rowMax[i] >= 0)
            {
                int y = top + i, min = rowMin[i], max = rowMax[i];
                points.AddRange([new(min, y), new(min, y + 1), new(max + 1, y), new(max + 1, y + 1)]);
            }
        }
        var hull = ConvexHull(points);
        var best = new RotatedRect(0, 0, 0, 0, 1, 0);
        var bestArea = float.MaxValue;
        for (var i = 0; i < hull.Count; i++)
        {
            var (a, b) = (hull[i], hull[(i + 1) % hull.Count]);
            var length = Distance(a, b);
            if (length == 0)
            {
                continue;
            }
            float cos = (b.X - a.X) / length, sin = (b.Y - a.Y) / length;
            float minU = float.MaxValue, maxU = float.MinValue, minV = float.MaxValue, maxV = float.MinValue;
            foreach (var q in hull)
            {
                float u = (q.X * cos) + (q.Y * sin), v = (-q.X * sin) + (q.Y * cos);
                (minU, maxU, minV, maxV) = (Math.Min(minU, u), Math.Max(maxU, u), Math.Min(minV, v), Math.Max(maxV, v));
            }
            var area = (maxU - minU) * (maxV - minV);
            if (area < bestArea)
            {
                bestArea = area;
                float cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
                best = new RotatedRect((cu * cos) - (cv * sin), (cu * sin) + (cv * cos), maxU - minU, maxV - minV, cos, sin);
            }
        }
        return best;
    }

    // Andrew's monotone chain.
    private static List<Point> ConvexHull(List<Point> points)
    {
        var sorted = points.Distinct().OrderBy(p => p.X).ThenBy(p => p.Y).ToList();
        if (sorted.Count < 3)
        {
            return sorted;
        }
        var hull = new List<Point>();
        foreach (var pass in new[] { sorted, Enumerable.Reverse(sorted).ToList() })
        {
            var start = hull.Count;
            foreach (var p in pass)
            {
                while (hull.Count >= start + 2 && Cross(hull[^2], hull[^1], p) <= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }
                hull.Add(p);
            }
            hull.RemoveAt(hull.Count - 1);
        }
        return hull;
    }

    private static float Cross(Point o, Point a, Point b) => ((a.X - o.X) * (b.Y - o.Y)) - ((a.Y - o.Y) * (b.X - o.X));
}
