// Talking to the collector's JSON API with the session cookie; the CSRF token rides along on every change.

const SESSION_KEY = "itops.session";

export class ApiError extends Error {
  constructor(status, message, parameter, body = {}) {
    super(message);
    this.status = status;
    this.parameter = parameter;
    this.body = body;  // the whole error answer, e.g. `firing` of a refused resolve
  }
}

export function currentSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch {
    return null;
  }
}

export function saveSession(me) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(me));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const csrf = currentSession()?.csrf_token;
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "/api/v1/login") {
    clearSession();
    window.dispatchEvent(new CustomEvent("itops:logged-out"));
  }
  if (!response.ok) throw new ApiError(response.status, data.error || response.statusText, data.parameter, data);
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);
export const del = (path) => api("DELETE", path);
