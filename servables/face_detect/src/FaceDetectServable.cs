using SharpServing;

namespace FaceDetect;

/// <summary>
/// The <c>face_detect</c> servable: method <c>detect(image) -> boxes, scores</c> over MediaPipe's BlazeFace front-camera
/// model. Three stages: decode and letterbox the image (C#), the model, decode and suppress the detections (C#).
/// </summary>
public sealed class FaceDetectServable : IServableConfigurator
{
    /// <summary>The model file in the version folder.</summary>
    public const string ModelFile = "blazeface.onnx";

    /// <inheritdoc />
    public void Configure(ServableBuilder servable)
    {
        ArgumentNullException.ThrowIfNull(servable);
        var model = servable.DeclareModel(ModelFile);
        servable.RegisterMethod("detect", outputs: ["boxes", "scores"], image =>
        {
            var (input, letterbox) = servable.AddStage(BlazeFace.Preprocess, image, outputsCount: 2);
            var (scores8, scores16, boxes8, boxes16) = servable.AddStage(model, input, outputsCount: 4);
            return servable.AddStage(BlazeFace.Postprocess, scores8, scores16, boxes8, boxes16, letterbox, outputsCount: 2);
        });
    }
}
