// Placeholder until the Go-template renderer lands.
export function renderTemplate(tmpl: string, data: unknown): string {
  return tmpl.replace(/\{\{\s*json\s+\.\s*\}\}/g, () => JSON.stringify(data));
}
