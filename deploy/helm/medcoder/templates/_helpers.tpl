{{- define "medcoder.name" -}}{{ .Release.Name }}-medcoder{{- end -}}

{{- define "medcoder.labels" -}}
app.kubernetes.io/name: medcoder
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "medcoder.selector" -}}
app.kubernetes.io/name: medcoder
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "medcoder.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}

{{/* MEDCODER_* settings shared by the gateway and the batch workers (server/config.py) */}}
{{- define "medcoder.tableEnv" -}}
- name: MEDCODER_PROFILE
  value: {{ .Values.gateway.profile | quote }}
- name: MEDCODER_CACHE_DIR
  value: /cache
{{- with .Values.tables }}
{{- if .ptp }}
- name: MEDCODER_PTP_PATHS
  value: {{ include "medcoder.tablePaths" .ptp | quote }}
{{- end }}
{{- if .mue }}
- name: MEDCODER_MUE_PATHS
  value: {{ include "medcoder.tablePaths" .mue | quote }}
{{- end }}
{{- if .hcpcs }}
- name: MEDCODER_HCPCS_PATH
  value: /tables/{{ .hcpcs }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "medcoder.tablePaths" -}}
{{- $out := list -}}{{- range . -}}{{- $out = append $out (printf "/tables/%s" .) -}}{{- end -}}{{ join ":" $out }}
{{- end -}}

{{- define "medcoder.rayEnv" -}}
{{ include "medcoder.tableEnv" . }}
- name: RAY_AUTH_MODE
  value: token
- name: RAY_AUTH_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ .Values.batch.authSecret }}, key: token}
{{- end -}}

{{- define "medcoder.rayMounts" -}}
- {name: tables, mountPath: /tables, readOnly: true}
- {name: data, mountPath: /data}
- {name: cache, mountPath: /cache}
{{- end -}}

{{- define "medcoder.rayVolumes" -}}
- name: tables
  persistentVolumeClaim: {claimName: {{ .Values.tables.claimName }}, readOnly: true}
- name: data
  persistentVolumeClaim: {claimName: {{ .Values.batch.dataClaimName }}}
- {name: cache, emptyDir: {}}
{{- end -}}
