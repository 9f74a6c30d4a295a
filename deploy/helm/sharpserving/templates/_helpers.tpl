{{/* The chart's name, as Kubernetes names allow (63 characters). */}}
{{- define "sharpserving.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sharpserving.fullname" -}}
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

{{- define "sharpserving.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sharpserving.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "sharpserving.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "sharpserving.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "sharpserving.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sharpserving.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "sharpserving.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion (toString .Values.image.tag)) }}
{{- end }}

{{/* The drain, in whole seconds: preStop sleep + drain delay + drain timeout. */}}
{{- define "sharpserving.drainSeconds" -}}
{{- $ms := add (mul (int .Values.lifecycle.preStopSleepSeconds) 1000) (int .Values.server.drainDelayMs) (int .Values.server.drainTimeoutMs) }}
{{- div (add $ms 999) 1000 }}
{{- end }}

{{/* terminationGracePeriodSeconds: the value given (checked to outlast the drain), else the drain + 10 s. */}}
{{- define "sharpserving.gracePeriod" -}}
{{- $drain := int (include "sharpserving.drainSeconds" .) }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $drain 10 }}
{{- else }}
{{- $given := int .Values.terminationGracePeriodSeconds }}
{{- if le $given $drain }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be longer than the drain: lifecycle.preStopSleepSeconds + server.drainDelayMs + server.drainTimeoutMs = %d s" $given $drain) }}
{{- end }}
{{- $given }}
{{- end }}
{{- end }}

{{- define "sharpserving.configMapName" -}}
{{- default (printf "%s-config" (include "sharpserving.fullname" .)) .Values.existingConfigMap }}
{{- end }}

{{- define "sharpserving.claimName" -}}
{{- default (printf "%s-servables" (include "sharpserving.fullname" .)) .Values.servables.pvc.existingClaim }}
{{- end }}

{{/* Checks of combinations that would only fail at run time. */}}
{{- define "sharpserving.validate" -}}
{{- if not (has .Values.servables.source (list "image" "pvc" "emptyDir")) }}
{{- fail (printf "servables.source must be image, pvc or emptyDir, not %q" .Values.servables.source) }}
{{- end }}
{{- if and (gt (int .Values.server.loadedMemoryBudgetMb) 0) (not .Values.server.lazyLoad) }}
{{- fail "server.loadedMemoryBudgetMb needs server.lazyLoad: a version unloaded to make room loads again on its next request" }}
{{- end }}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) }}
{{- fail "tls.enabled needs tls.secretName (a kubernetes.io/tls Secret)" }}
{{- end }}
{{- if and .Values.adminToken.enabled (not .Values.adminToken.secretName) }}
{{- fail "adminToken.enabled needs adminToken.secretName" }}
{{- end }}
{{- if and .Values.modelKey.enabled (not .Values.modelKey.secretName) }}
{{- fail "modelKey.enabled needs modelKey.secretName" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (kindIs "invalid" .Values.autoscaling.targetCPUUtilizationPercentage) (kindIs "invalid" .Values.autoscaling.targetPendingRequests) }}
{{- fail "autoscaling.enabled needs targetCPUUtilizationPercentage or targetPendingRequests" }}
{{- end }}
{{- end }}
