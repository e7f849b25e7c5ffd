package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/httpstatus"
)

// The codes for failures of HTTP itself, under the names the API's code
// uses.
const (
	codeTooLarge         = httpstatus.CodeTooLarge
	codeUnsupportedMedia = httpstatus.CodeUnsupportedMedia
	codeMethodNotAllowed = httpstatus.CodeMethodNotAllowed
)

// statusOf maps an error code to its HTTP status with the table the portal
// shares (httpstatus.Of).
func statusOf(code access.Code) int { return httpstatus.Of(code) }

// writeError writes err as {"error":{"code","message"}}. An *access.Error
// gives its code and message; anything else is logged with the request id
// and answered with a generic 500 that leaks nothing.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := access.ErrorCode(err)
	status := statusOf(code)
	var msg string
	var e *access.Error
	if status != http.StatusInternalServerError && errors.As(err, &e) {
		msg = e.Message
	} else {
		code = access.CodeInternal
		rid := access.RequestIDFrom(r.Context())
		attrs := []any{"request_id", rid, "method", r.Method, "path", r.URL.Path, "err", err.Error()}
		if actor, ok := access.ActorFrom(r.Context()); ok {
			attrs = append(attrs, "user", actor.UserName)
		}
		level := slog.LevelError
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			level = slog.LevelWarn // the client went away
		}
		a.log.Log(r.Context(), level, "api request failed", attrs...)
		msg = "internal error: the server could not complete this request"
		if rid != "" {
			msg += " (request id " + rid + ")"
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="elevate"`)
	}
	a.writeJSON(w, r, status, errorBody{Error: errorJSON{Code: string(code), Message: msg}})
}

// writeJSON renders v into a buffer first, so that an encoding failure is
// still a clean 500.
func (a *API) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		a.log.ErrorContext(r.Context(), "encode api response", "request_id", access.RequestIDFrom(r.Context()), "err", err.Error())
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error: the response could not be encoded"}}` + "\n")
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
