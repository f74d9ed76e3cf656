namespace MiniKube.Api.Tests;

/// <summary>Manifests written the way Kubernetes' documentation writes them.</summary>
internal static class Manifests
{
    public const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          namespace: default
          labels:
            app.kubernetes.io/name: web
            tier: frontend
          annotations:
            description: "a: colon"
        spec:
          restartPolicy: Always
          terminationGracePeriodSeconds: 30
          nodeSelector:
            disktype: ssd
          tolerations:
          - key: "example-key"
            operator: "Exists"
            effect: "NoSchedule"
            tolerationSeconds: 3600
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                - matchExpressions:
                  - key: topology.kubernetes.io/zone
                    operator: In
                    values:
                    - antarctica-east1
                    - antarctica-west1
              preferredDuringSchedulingIgnoredDuringExecution:
              - weight: 1
                preference:
                  matchExpressions:
                  - key: another-node-label-key
                    operator: In
                    values:
                    - another-node-label-value
            podAntiAffinity:
              preferredDuringSchedulingIgnoredDuringExecution:
              - weight: 100
                podAffinityTerm:
                  labelSelector:
                    matchExpressions:
                    - key: security
                      operator: In
                      values:
                      - S2
                  topologyKey: topology.kubernetes.io/zone
          topologySpreadConstraints:
          - maxSkew: 1
            topologyKey: zone
            whenUnsatisfiable: DoNotSchedule
            labelSelector:
              matchLabels:
                app: web
          initContainers:
          - name: init-myservice
            image: busybox:1.28
            command: ['sh', '-c', "until nslookup myservice; do echo waiting; sleep 2; done"]
          containers:
          - name: web
            image: nginx:1.14.2
            imagePullPolicy: IfNotPresent
            args:
            - --port=80
            - "--verbose"
            ports:
            - containerPort: 80
              name: http
              protocol: TCP
            env:
            - name: MY_NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
            - name: MY_CPU_LIMIT
              valueFrom:
                resourceFieldRef:
                  containerName: web
                  resource: limits.cpu
                  divisor: 1m
            - name: SPECIAL_LEVEL_KEY
              valueFrom:
                configMapKeyRef:
                  name: special-config
                  key: special.how
            - name: GREETING
              value: "Warm greetings to"
            - name: PORT
              value: "80"
            envFrom:
            - configMapRef:
                name: special-config
            resources:
              requests:
                memory: "64Mi"
                cpu: "250m"
              limits:
                memory: "128Mi"
                cpu: 1
            livenessProbe:
              httpGet:
                path: /healthz
                port: 8080
                httpHeaders:
                - name: Custom-Header
                  value: Awesome
              initialDelaySeconds: 3
              periodSeconds: 3
            readinessProbe:
              tcpSocket:
                port: http
              initialDelaySeconds: 5
              periodSeconds: 10
            startupProbe:
              exec:
                command:
                - cat
                - /tmp/healthy
              failureThreshold: 30
              periodSeconds: 10
            lifecycle:
              preStop:
                exec:
                  command: ["/bin/sh", "-c", "nginx -s quit; while killall -0 nginx; do sleep 1; done"]
            securityContext:
              allowPrivilegeEscalation: false
              runAsUser: 1000
              capabilities:
                add: ["NET_ADMIN", "SYS_TIME"]
            volumeMounts:
            - name: cache-volume
              mountPath: /cache
            - name: config
              mountPath: /etc/config
              readOnly: true
          volumes:
          - name: cache-volume
            emptyDir:
              sizeLimit: 500Mi
          - name: config
            configMap:
              name: special-config
              items:
              - key: game.properties
                path: game.properties
          - name: host
            hostPath:
              path: /data
              type: Directory
          - name: secret-volume
            secret:
              secretName: test-secret
              defaultMode: 0400
        """;

    public const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: nginx-deployment
          labels:
            app: nginx
        spec:
          replicas: 3
          strategy:
            type: RollingUpdate
            rollingUpdate:
              maxSurge: 25%
              maxUnavailable: 0
          selector:
            matchLabels:
              app: nginx
          template:
            metadata:
              labels:
                app: nginx
            spec:
              containers:
              - name: nginx
                image: nginx:1.14.2
                ports:
                - containerPort: 80
        """;

    public const string Services = """
        apiVersion: v1
        kind: Service
        metadata:
          name: my-service
        spec:
          selector:
            app.kubernetes.io/name: MyApp
          ports:
            - protocol: TCP
              port: 80
              targetPort: 9376
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: named-port
        spec:
          type: NodePort
          selector:
            app.kubernetes.io/name: proxy
          ports:
          - name: name-of-service-port
            protocol: TCP
            port: 80
            targetPort: http-web-svc
            nodePort: 30007
        """;

    public const string ConfigMap = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: game-demo
        data:
          player_initial_lives: "3"
          ui_properties_file_name: "user-interface.properties"
          game.properties: |
            enemy.types=aliens,monsters
            player.maximum-lives=5
          user-interface.properties: |
            color.good=purple
            color.bad=yellow
            allow.textmode=true
        """;

    public const string Secret = """
        apiVersion: v1
        kind: Secret
        metadata:
          name: dotfile-secret
        type: Opaque
        data:
          username: YWRtaW4=
          password: MWYyZDFlMmU2N2Rm
        stringData:
          config.yaml: "apiUrl: https://my.api.com/api/v1"
        """;

    public const string Node = """
        apiVersion: v1
        kind: Node
        metadata:
          name: node-1
          labels:
            kubernetes.io/hostname: node-1
        spec:
          podCIDR: 10.244.1.0/24
          taints:
          - key: node-role.kubernetes.io/control-plane
            effect: NoSchedule
        status:
          capacity:
            cpu: "2"
            memory: 24Gi
            pods: "110"
          allocatable:
            cpu: 1900m
            memory: 23Gi
            pods: "110"
          conditions:
          - type: Ready
            status: "True"
            lastHeartbeatTime: "2024-05-01T10:00:00Z"
            lastTransitionTime: "2024-05-01T09:00:00Z"
            reason: KubeletReady
            message: kubelet is posting ready status
          addresses:
          - type: InternalIP
            address: 172.17.0.2
          - type: Hostname
            address: node-1
          daemonEndpoints:
            kubeletEndpoint:
              Port: 10250
          nodeInfo:
            machineID: 0123456789abcdef
            kernelVersion: 6.1.0-18-amd64
            osImage: Debian GNU/Linux 12 (bookworm)
            containerRuntimeVersion: docker://20.10.24
            kubeletVersion: v1.32.0
            operatingSystem: linux
            architecture: amd64
          images:
          - names:
            - busybox:latest
            sizeBytes: 4261574
        """;

    public const string Lease = """
        apiVersion: coordination.k8s.io/v1
        kind: Lease
        metadata:
          name: kube-scheduler
          namespace: kube-system
        spec:
          holderIdentity: scheduler-1_6b2f
          leaseDurationSeconds: 15
          acquireTime: "2024-05-01T10:00:00.123456Z"
          renewTime: "2024-05-01T10:00:05.654321Z"
          leaseTransitions: 2
        """;

    public const string Job = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: pi
        spec:
          backoffLimit: 4
          ttlSecondsAfterFinished: 100
          template:
            spec:
              containers:
              - name: pi
                image: perl:5.34.0
                command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
              restartPolicy: Never
        """;

    public const string Hpa = """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: php-apache
        spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: php-apache
          minReplicas: 1
          maxReplicas: 10
          metrics:
          - type: Resource
            resource:
              name: cpu
              target:
                type: Utilization
                averageUtilization: 50
          behavior:
            scaleDown:
              stabilizationWindowSeconds: 300
              policies:
              - type: Percent
                value: 100
                periodSeconds: 15
        """;

    public const string DaemonSet = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: fluentd-elasticsearch
          namespace: kube-system
        spec:
          selector:
            matchLabels:
              name: fluentd-elasticsearch
          updateStrategy:
            type: RollingUpdate
            rollingUpdate:
              maxUnavailable: 1
          template:
            metadata:
              labels:
                name: fluentd-elasticsearch
            spec:
              tolerations:
              - key: node-role.kubernetes.io/control-plane
                operator: Exists
                effect: NoSchedule
              containers:
              - name: fluentd-elasticsearch
                image: quay.io/fluentd_elasticsearch/fluentd:v2.5.2
                resources:
                  limits:
                    memory: 200Mi
                  requests:
                    cpu: 100m
                    memory: 200Mi
              terminationGracePeriodSeconds: 30
        """;
}
