namespace MiniKube.Api;

/// <summary>ServiceAccount validation: the name rules come with the object meta; references must name something.</summary>
public static partial class Validator
{
    private static void ValidateServiceAccount(ServiceAccount sa, List<FieldError> errs)
    {
        for (var i = 0; i < (sa.Secrets?.Count ?? 0); i++)
        {
            if (string.IsNullOrEmpty(sa.Secrets![i].Name))
            {
                errs.Add(FieldError.Required($"secrets[{i}].name", ""));
            }
        }
        for (var i = 0; i < (sa.ImagePullSecrets?.Count ?? 0); i++)
        {
            if (string.IsNullOrEmpty(sa.ImagePullSecrets![i].Name))
            {
                errs.Add(FieldError.Required($"imagePullSecrets[{i}].name", ""));
            }
        }
    }
}
