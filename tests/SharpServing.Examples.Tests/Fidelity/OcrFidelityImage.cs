namespace SharpServing.Examples.Tests.Fidelity;

/// <summary>One image of the fidelity set and what it says.</summary>
internal sealed record OcrFidelityImage(string Name, string Path, string Text, bool UpsideDown);
