package server

import (
	"context"
	"net/http"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// routes is the server's one routing table.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.opts.Metrics != nil {
		mux.Handle("GET /metrics", s.opts.Metrics)
	}
	if s.opts.SlackInteractions != nil {
		for _, p := range SlackRoutes {
			mux.Handle(p, s.opts.SlackInteractions)
		}
	}
	if s.opts.API != nil {
		mux.Handle("/api/v1/", s.opts.API)
	}
	if s.opts.Portal != nil {
		mux.Handle("/", s.opts.Portal)
	} else {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "not_found", "no such page: "+r.URL.Path)
		})
	}
	return mux
}

// healthz answers 200 while the process serves HTTP at all.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when Ready succeeds and 503 with its reason otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			s.log.WarnContext(ctx, "not ready", "request_id", access.RequestIDFrom(ctx), "err", err.Error())
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
