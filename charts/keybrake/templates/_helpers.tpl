{{/*
Labels every keybrake object carries. No managed-by/helm.sh/chart labels: deploy/base is rendered from
this chart and must not claim Helm manages what `kubectl apply -k` installed.
*/}}
{{- define "keybrake.labels" -}}
app.kubernetes.io/part-of: keybrake
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* The controller pods' identity; the webhook's objectSelector excludes exactly this label. */}}
{{- define "keybrake.controllerSelector" -}}
app.kubernetes.io/name: keybrake-controller
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "keybrake.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "keybrake.webhookService" -}}
keybrake-controller
{{- end -}}

{{/* The CA Secret the injector mounts into every sidecar (src/k8s/inject: caSecret). */}}
{{- define "keybrake.meshCASecret" -}}
keybrake-ca
{{- end -}}
