namespace SharpServing.Engine.Reload;

/// <summary>The kinds of <see cref="VersionPolicy"/>.</summary>
public enum VersionPolicyKind
{
    /// <summary>The newest N version folders.</summary>
    Latest,

    /// <summary>Every version folder.</summary>
    All,

    /// <summary>The listed version numbers.</summary>
    Specific,
}
