{{/* The chart name, overridable. */}}
{{- define "leitstand.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* A fully qualified name: release-chart, or the release name when it already contains the chart name. */}}
{{- define "leitstand.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "leitstand.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object of the release. */}}
{{- define "leitstand.labels" -}}
helm.sh/chart: {{ include "leitstand.chart" . }}
{{ include "leitstand.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: leitstand
{{- end }}

{{/* Labels that select the pods; never change them after the first install (selectors are immutable). */}}
{{- define "leitstand.selectorLabels" -}}
app.kubernetes.io/name: {{ include "leitstand.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "leitstand.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "leitstand.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the secret variables (DATABASE_URL, LEITSTAND_ADMIN_PASSWORD, LEITSTAND_SECRET_KEY). */}}
{{- define "leitstand.secretName" -}}
{{- default (printf "%s-secrets" (include "leitstand.fullname" .)) .Values.existingSecret }}
{{- end }}

{{/*
"true" when Leitstand may use an external PostgreSQL: a DATABASE_URL is given, or an
existing Secret is named (which may carry one). Otherwise the embedded PGlite database
lives in the data volume, and only one pod may open it at a time.
*/}}
{{- define "leitstand.externalDatabase" -}}
{{- if or .Values.secrets.DATABASE_URL .Values.existingSecret }}true{{- end }}
{{- end }}
