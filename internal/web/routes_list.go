package web

import "net/http"

// recordingMux registers on the portal's mux and remembers each pattern,
// so that Routes lists exactly what is served.
type recordingMux struct{ p *Portal }

func (m recordingMux) Handle(pattern string, h http.Handler) {
	m.p.patterns = append(m.p.patterns, pattern)
	m.p.mux.Handle(pattern, h)
}

func (m recordingMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// Routes returns every route pattern the portal serves ("GET /requests",
// "/" for the not-found page), in registration order. The authorization
// matrix test enumerates it, so a new page or action without a matrix entry
// fails that test.
func (p *Portal) Routes() []string { return append([]string(nil), p.patterns...) }
