// Package benchdata generates the benchmark inputs: n distinct, realistic
// workloads, the same bytes on every machine. Even indexes are
// StatefulSets (with volumeClaimTemplates and a governing Service name),
// odd ones Deployments; each has an app container, a sidecar, probes, env
// and resources.
package benchdata

import (
	"fmt"
	"strings"
)

// Stream gives n workloads as one YAML stream.
func Stream(n int) []byte {
	var b strings.Builder
	for i := range n {
		b.WriteString(Workload(i))
	}
	return []byte(b.String())
}

// WithServices gives n workloads, each followed by the Service in front of
// it (its name, selecting its pods, with its ports), as real repositories
// hold them: every workload's set then reads the Services of its
// namespace.
func WithServices(n int) []byte {
	var b strings.Builder
	for i := range n {
		b.WriteString(Workload(i))
		b.WriteString(Service(i))
	}
	return []byte(b.String())
}

// Service gives workload i's Service as a YAML document ("---" first).
func Service(i int) string {
	name := fmt.Sprintf("app-%04d", i)
	ns := fmt.Sprintf("team-%02d", i%17)
	return fmt.Sprintf(`---
apiVersion: v1
kind: Service
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    app.kubernetes.io/name: %[1]s
    app.kubernetes.io/part-of: %[2]s
spec:
  selector:
    app.kubernetes.io/name: %[1]s
  ports:
  - name: http
    port: 80
    targetPort: http
  - name: metrics
    port: 9090
    targetPort: metrics
`, name, ns)
}

// Workload gives workload i as a YAML document ("---" first).
func Workload(i int) string {
	name := fmt.Sprintf("app-%04d", i)
	ns := fmt.Sprintf("team-%02d", i%17)
	replicas := 2 + i%9
	kind := "Deployment"
	if i%2 == 0 {
		kind = "StatefulSet"
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("---")
	p("apiVersion: apps/v1")
	p("kind: %s", kind)
	p("metadata:")
	p("  name: %s", name)
	p("  namespace: %s", ns)
	p("  labels:")
	p("    app.kubernetes.io/name: %s", name)
	p("    app.kubernetes.io/part-of: %s", ns)
	p("    app.kubernetes.io/version: 1.%d.%d", i%13, i%7)
	p("spec:")
	p("  replicas: %d", replicas)
	if kind == "StatefulSet" {
		p("  serviceName: %s", name)
		p("  podManagementPolicy: Parallel")
	}
	p("  selector:")
	p("    matchLabels:")
	p("      app.kubernetes.io/name: %s", name)
	p("  template:")
	p("    metadata:")
	p("      labels:")
	p("        app.kubernetes.io/name: %s", name)
	p("        app.kubernetes.io/part-of: %s", ns)
	p("      annotations:")
	p("        kubectl.kubernetes.io/default-container: %s", name)
	p("    spec:")
	p("      serviceAccountName: %s", name)
	p("      securityContext:")
	p("        runAsNonRoot: true")
	p("        fsGroup: 65534")
	p("      containers:")
	p("      - name: %s", name)
	p("        image: registry.example.com/%s/%s:1.%d.%d", ns, name, i%13, i%7)
	p("        args:")
	p("        - --listen=:8080")
	p("        - --metrics-listen=:9090")
	p("        - --log-level=info")
	p("        - --shard=%d", i%5)
	p("        env:")
	p("        - name: POD_NAME")
	p("          valueFrom:")
	p("            fieldRef:")
	p("              fieldPath: metadata.name")
	p("        - name: GOMAXPROCS")
	p("          valueFrom:")
	p("            resourceFieldRef:")
	p("              resource: limits.cpu")
	p("        - name: FEATURE_FLAGS")
	p("          value: \"a,b,c%d\"", i%3)
	p("        ports:")
	p("        - name: http")
	p("          containerPort: 8080")
	p("        - name: metrics")
	p("          containerPort: 9090")
	p("        readinessProbe:")
	p("          httpGet:")
	p("            path: /ready")
	p("            port: http")
	p("          periodSeconds: 5")
	p("        livenessProbe:")
	p("          httpGet:")
	p("            path: /healthz")
	p("            port: http")
	p("          initialDelaySeconds: 10")
	p("        resources:")
	p("          requests:")
	p("            cpu: %dm", 100+50*(i%8))
	p("            memory: %dMi", 128*(1+i%4))
	p("          limits:")
	p("            memory: %dMi", 256*(1+i%4))
	if kind == "StatefulSet" {
		p("        volumeMounts:")
		p("        - name: data")
		p("          mountPath: /var/lib/%s", name)
	}
	p("      - name: proxy")
	p("        image: envoyproxy/envoy:v1.31.%d", i%4)
	p("        args: [\"-c\", \"/etc/envoy/envoy.yaml\"]")
	p("        ports:")
	p("        - name: admin")
	p("          containerPort: 9901")
	p("        readinessProbe:")
	p("          tcpSocket:")
	p("            port: admin")
	p("        resources:")
	p("          requests:")
	p("            cpu: 50m")
	p("            memory: 64Mi")
	if kind == "StatefulSet" {
		p("  volumeClaimTemplates:")
		p("  - metadata:")
		p("      name: data")
		p("    spec:")
		p("      accessModes: [ReadWriteOnce]")
		p("      resources:")
		p("        requests:")
		p("          storage: %dGi", 1+i%10)
	} else {
		p("  strategy:")
		p("    rollingUpdate:")
		p("      maxSurge: 25%%")
		p("      maxUnavailable: 0")
	}
	return b.String()
}
