namespace MiniKube.Kubectl.Tests;

internal static class Manifests
{
    public static string Pod(string name, string app = "web", string image = "minikube/busybox:1.0") => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          labels:
            app: {app}
        spec:
          containers:
          - name: main
            image: {image}
            command: ["sleep", "3600"]
        """;

    public static string Deployment(string name, string image, int replicas = 2) => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
              - name: main
                image: {image}
                command: ["sleep", "3600"]
                env:
                - name: A
                  value: "1"
        """;
}
