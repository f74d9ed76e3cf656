using static MiniKube.Api.Validator;
using static MiniKube.Api.ContainerValidation;

namespace MiniKube.Api;

/// <summary>A pod spec's volumes: sources, projected keys, downward API files, file modes and paths inside a volume.</summary>
internal static class PodVolumeValidation
{
    private static readonly string[] HostPathTypes = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"];
    private static readonly string[] StorageMedia = ["", "Memory"];
    /// <summary>Field paths a downward API volume file can show (plus labels['k'] / annotations['k']).</summary>
    private static readonly string[] VolumeFieldPaths = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"];

    internal static HashSet<string> ValidateVolumes(IReadOnlyList<Volume> volumes, string path, List<FieldError> errs)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < volumes.Count; i++)
        {
            var v = volumes[i];
            var vp = Paths.Index(path, i);
            if (string.IsNullOrEmpty(v.Name))
            {
                errs.Add(FieldError.Required(Paths.Child(vp, "name")));
            }
            else
            {
                DnsLabel(v.Name, Paths.Child(vp, "name"), errs);
                if (!names.Add(v.Name))
                {
                    errs.Add(FieldError.Duplicate(Paths.Child(vp, "name"), v.Name));
                }
            }

            var sources = new List<string>();
            if (v.HostPath is not null)
            {
                sources.Add("hostPath");
                if (string.IsNullOrEmpty(v.HostPath.Path))
                {
                    errs.Add(FieldError.Required(Paths.Child(vp, "hostPath.path")));
                }
                OneOf(v.HostPath.Type, Paths.Child(vp, "hostPath.type"), HostPathTypes, errs);
            }
            if (v.EmptyDir is not null)
            {
                sources.Add("emptyDir");
                OneOf(v.EmptyDir.Medium, Paths.Child(vp, "emptyDir.medium"), StorageMedia, errs);
                if (v.EmptyDir.SizeLimit is { Sign: < 0 } limit)
                {
                    errs.Add(FieldError.Invalid(Paths.Child(vp, "emptyDir.sizeLimit"), limit.ToString(), NonNegative));
                }
            }
            if (v.Secret is not null)
            {
                sources.Add("secret");
                var sp = Paths.Child(vp, "secret");
                if (string.IsNullOrEmpty(v.Secret.SecretName))
                {
                    errs.Add(FieldError.Required(Paths.Child(sp, "secretName")));
                }
                ValidateKeyToPaths(v.Secret.Items ?? [], v.Secret.DefaultMode, sp, errs);
            }
            if (v.PersistentVolumeClaim is not null)
            {
                sources.Add("persistentVolumeClaim");
                if (string.IsNullOrEmpty(v.PersistentVolumeClaim.ClaimName))
                {
                    errs.Add(FieldError.Required(Paths.Child(vp, "persistentVolumeClaim.claimName")));
                }
            }
            if (v.DownwardAPI is not null)
            {
                sources.Add("downwardAPI");
                ValidateDownwardApiVolume(v.DownwardAPI, Paths.Child(vp, "downwardAPI"), errs);
            }
            if (v.ConfigMap is not null)
            {
                sources.Add("configMap");
                var cp = Paths.Child(vp, "configMap");
                if (string.IsNullOrEmpty(v.ConfigMap.Name))
                {
                    errs.Add(FieldError.Required(Paths.Child(cp, "name")));
                }
                ValidateKeyToPaths(v.ConfigMap.Items ?? [], v.ConfigMap.DefaultMode, cp, errs);
            }
            if (sources.Count == 0)
            {
                errs.Add(FieldError.Required(vp, "must specify a volume type"));
            }
            foreach (var extra in sources.Skip(1))
            {
                errs.Add(FieldError.Forbidden(Paths.Child(vp, extra), "may not specify more than 1 volume type"));
            }
        }
        return names;
    }

    private static void ValidateKeyToPaths(IReadOnlyList<KeyToPath> items, int? defaultMode, string path, List<FieldError> errs)
    {
        FileMode(defaultMode, Paths.Child(path, "defaultMode"), errs);
        for (var i = 0; i < items.Count; i++)
        {
            var ip = Paths.Index(Paths.Child(path, "items"), i);
            if (string.IsNullOrEmpty(items[i].Key))
            {
                errs.Add(FieldError.Required(Paths.Child(ip, "key")));
            }
            RelativePath(items[i].Path, Paths.Child(ip, "path"), errs);
            FileMode(items[i].Mode, Paths.Child(ip, "mode"), errs);
        }
    }

    private static void ValidateDownwardApiVolume(DownwardApiVolumeSource source, string path, List<FieldError> errs)
    {
        FileMode(source.DefaultMode, Paths.Child(path, "defaultMode"), errs);
        var items = source.Items ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var ip = Paths.Index(Paths.Child(path, "items"), i);
            RelativePath(item.Path, Paths.Child(ip, "path"), errs);
            FileMode(item.Mode, Paths.Child(ip, "mode"), errs);
            if (item.FieldRef is not null && item.ResourceFieldRef is not null)
            {
                errs.Add(FieldError.Invalid(ip, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"));
            }
            else if (item.FieldRef is null && item.ResourceFieldRef is null)
            {
                errs.Add(FieldError.Required(ip, "one of fieldRef and resourceFieldRef is required"));
            }
            if (item.FieldRef is not null)
            {
                ValidateObjectFieldSelector(item.FieldRef, VolumeFieldPaths, Paths.Child(ip, "fieldRef"), errs);
            }
            if (item.ResourceFieldRef is not null)
            {
                ValidateResourceFieldSelector(item.ResourceFieldRef, Paths.Child(ip, "resourceFieldRef"), requireContainer: true, errs);
            }
        }
    }

    private static void FileMode(int? mode, string path, List<FieldError> errs)
    {
        if (mode is < 0 or > 511)
        {
            errs.Add(FieldError.Invalid(path, mode.Value, "must be a number between 0 and 0777 (octal), both inclusive"));
        }
    }

    /// <summary>A path inside a volume: relative and never climbing out with "..".</summary>
    internal static void RelativePath(string? value, string path, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(value))
        {
            errs.Add(FieldError.Required(path));
            return;
        }
        if (value.StartsWith('/'))
        {
            errs.Add(FieldError.Invalid(path, value, "must be a relative path"));
        }
        if (value.Split('/').Contains(".."))
        {
            errs.Add(FieldError.Invalid(path, value, "must not contain '..'"));
        }
    }
}
