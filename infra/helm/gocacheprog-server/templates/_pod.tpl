{{/* What the server and the gc job both need: settings, secrets, the tokens file, security. */}}
{{- define "gcp.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "gcp.fullname" . }}
{{- if or (include "gcp.hasRedisSecret" .) .Values.s3.existingSecret .Values.gomod.upstreamExistingSecret }}
env:
  {{- if and (include "gcp.hasRedisSecret" .) (eq .Values.redis.mode "standalone") }}
  - name: GOCACHEPROG_SERVER_REDIS_URL
    valueFrom:
      secretKeyRef:
        name: {{ include "gcp.redisSecret" . }}
        key: redis-url
  {{- else if include "gcp.hasRedisSecret" . }}
  - name: GOCACHEPROG_SERVER_REDIS_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ include "gcp.redisSecret" . }}
        key: redis-password
  {{- end }}
  {{- with .Values.s3.existingSecret }}
  - name: AWS_ACCESS_KEY_ID
    valueFrom:
      secretKeyRef:
        name: {{ . }}
        key: AWS_ACCESS_KEY_ID
  - name: AWS_SECRET_ACCESS_KEY
    valueFrom:
      secretKeyRef:
        name: {{ . }}
        key: AWS_SECRET_ACCESS_KEY
  {{- end }}
  {{- with .Values.gomod.upstreamExistingSecret }}
  - name: GOCACHEPROG_SERVER_GOMOD_UPSTREAM
    valueFrom:
      secretKeyRef:
        name: {{ . }}
        key: gomod-upstream
  {{- end }}
{{- end }}
{{- end }}

{{- define "gcp.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "gcp.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* The tokens file, only when tokens are configured (OIDC alone has none). Not optional: a missing Secret
     keeps the pod from starting with a clear event rather than crash-looping on a missing file. */}}
{{- define "gcp.tokensVolume" -}}
{{- if include "gcp.hasTokens" . }}
- name: tokens
  secret:
    secretName: {{ include "gcp.tokensSecret" . }}
    items:
      - key: {{ .Values.auth.tokens.key }}
        path: tokens
{{- end }}
{{- end }}

{{- define "gcp.tokensMount" -}}
{{- if include "gcp.hasTokens" . }}
- name: tokens
  mountPath: /etc/gocacheprog
  readOnly: true
{{- end }}
{{- end }}

{{/* Checksums of what the chart renders, so a changed setting or Secret rolls the pods. Existing Secrets are
     read from the cluster at install/upgrade (empty under `helm template`). */}}
{{- define "gcp.checksums" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
{{- $existing := dict }}
{{- range $name := list .Values.auth.tokens.existingSecret .Values.redis.existingSecret .Values.s3.existingSecret .Values.gomod.upstreamExistingSecret }}
{{- if $name }}
{{- $_ := set $existing $name ((lookup "v1" "Secret" $.Release.Namespace $name).data | default dict) }}
{{- end }}
{{- end }}
checksum/existing-secrets: {{ toJson $existing | sha256sum }}
{{- end }}
