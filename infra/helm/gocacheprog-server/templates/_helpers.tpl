{{- define "gcp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gcp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "gcp.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "gcp.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "gcp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gcp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "gcp.labels" -}}
{{ include "gcp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "gcp.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "gcp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}{{ default (include "gcp.fullname" .) .Values.serviceAccount.name }}{{ else }}{{ default "default" .Values.serviceAccount.name }}{{ end }}
{{- end }}

{{/* Shared store: outputs in S3, so any number of replicas and a gc CronJob; else the embedded default on a volume. */}}
{{- define "gcp.shared" -}}
{{- if .Values.s3.bucket }}true{{ end }}
{{- end }}

{{/* The Secret the chart renders (inline tokens, Redis URL or password) when no existing one is named. */}}
{{- define "gcp.secretName" -}}
{{ include "gcp.fullname" . }}
{{- end }}

{{/* A tokens file is configured (an existing Secret or inline): only then is it mounted and named to the server. */}}
{{- define "gcp.hasTokens" -}}
{{- if or .Values.auth.tokens.existingSecret .Values.auth.tokens.inline }}true{{ end }}
{{- end }}

{{- define "gcp.tokensSecret" -}}
{{ default (include "gcp.secretName" .) .Values.auth.tokens.existingSecret }}
{{- end }}

{{- define "gcp.redisSecret" -}}
{{ default (include "gcp.secretName" .) .Values.redis.existingSecret }}
{{- end }}

{{- define "gcp.hasRedisSecret" -}}
{{- if or .Values.redis.existingSecret .Values.redis.url .Values.redis.password }}true{{ end }}
{{- end }}

{{- define "gcp.validate" -}}
{{- if and (not (include "gcp.shared" .)) (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) }}
{{- fail "the embedded default (no s3.bucket) runs one replica on one volume: set replicaCount=1 and autoscaling.enabled=false, or configure s3 and redis" }}
{{- end }}
{{- if and (include "gcp.shared" .) (not (or .Values.redis.existingSecret .Values.redis.url .Values.redis.sentinels .Values.redis.clusterNodes)) }}
{{- fail "replicas sharing S3 need a shared index: set redis.url or redis.existingSecret (standalone), redis.sentinels or redis.clusterNodes" }}
{{- end }}
{{- if not (or (include "gcp.hasTokens" .) .Values.auth.oidc.enabled) }}
{{- fail "the server image refuses to run without tokens: set auth.tokens.existingSecret (or auth.tokens.inline), or enable auth.oidc" }}
{{- end }}
{{- /* server.extraEnv is rendered into the ConfigMap, so the server's secret options (tokens, a Redis password,
     a URL with user:password@ or a query) must come from Secrets. The message never echoes the value. */}}
{{- $instead := dict "GOCACHEPROG_SERVER_TOKENS" "auth.tokens.existingSecret or auth.tokens.inline" "GOCACHEPROG_SERVER_REDIS_PASSWORD" "redis.existingSecret or redis.password" "GOCACHEPROG_SERVER_REDIS_URL" "redis.existingSecret or redis.url" "GOCACHEPROG_SERVER_GOMOD_UPSTREAM" "gomod.upstreamExistingSecret" }}
{{- range $name, $use := $instead }}
{{- $value := toString (index $.Values.server.extraEnv $name | default "") }}
{{- $urlValued := or (eq $name "GOCACHEPROG_SERVER_REDIS_URL") (eq $name "GOCACHEPROG_SERVER_GOMOD_UPSTREAM") }}
{{- if and $value (or (not $urlValued) (regexMatch "[@?]" $value)) }}
{{- fail (printf "server.extraEnv.%s holds a secret, and extraEnv is rendered into a ConfigMap: use a Secret (%s) instead" $name $use) }}
{{- end }}
{{- end }}
{{- if and .Values.auth.oidc.enabled (not (include "gcp.hasTokens" .)) (not (or .Values.auth.oidc.env.GOCACHEPROG_SERVER_OIDC_ISSUERS .Values.server.extraEnv.GOCACHEPROG_SERVER_OIDC_ISSUERS)) }}
{{- fail "auth.oidc without tokens needs its issuers: set auth.oidc.env.GOCACHEPROG_SERVER_OIDC_ISSUERS (with _AUDIENCE and _RULES), else the server would run without any authentication" }}
{{- end }}
{{- end }}
