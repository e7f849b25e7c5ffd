package api

// Routes returns every operation of the API as "METHOD /path" patterns,
// from the same table the mux is built from. The authorization matrix test
// enumerates it, so a new route without a matrix entry fails that test.
func Routes() []string {
	var out []string
	for _, rt := range (&API{}).routeTable() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}
