namespace Hostmem;

/// <summary>
/// Bad input or an unusable environment: one line saying what is wrong, one saying how to fix it.
/// The CLI prints both and exits 2; nothing downstream catches it for control flow.
/// </summary>
public sealed class UserError(string problem, string hint) : Exception(problem)
{
    public string Problem { get; } = problem;
    public string Hint { get; } = hint;
}
