package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
)

// Cookies that choose the zone the portal says times in: the user's own
// choice on the profile page, else the browser's zone (portal.js writes
// it), else UTC.
const (
	cookieZone        = "elevate_tz"
	cookieBrowserZone = "elevate_browser_tz"
)

// zoneWriter carries the reader's zone from authed to render, so every
// page says times in it without each handler passing it along.
type zoneWriter struct {
	http.ResponseWriter
	loc    *time.Location
	chosen bool // the user chose loc (not their browser)
}

// Unwrap lets http.ResponseController reach the real writer.
func (z *zoneWriter) Unwrap() http.ResponseWriter { return z.ResponseWriter }

// zoneOf is the reader's zone render uses: the one authed found, else UTC.
func zoneOf(w http.ResponseWriter) *time.Location {
	if z, ok := w.(*zoneWriter); ok && z.loc != nil {
		return z.loc
	}
	return time.UTC
}

// zoneChosen reports whether the reader chose the zone render uses.
func zoneChosen(w http.ResponseWriter) bool {
	z, ok := w.(*zoneWriter)
	return ok && z.chosen
}

// readerZone is the zone of the reader of r: the one they saved on the
// profile page, else the one an older portal kept in a cookie, else their
// browser's, else UTC. A name that is no zone is ignored.
func (p *Portal) readerZone(r *http.Request, actor access.Actor) (loc *time.Location, chosen bool) {
	name, err := p.o.Service.TimeZone(r.Context(), actor)
	if err != nil {
		p.log.WarnContext(r.Context(), "web: read the user's time zone", "error", err)
	}
	if name != "" {
		if loc, err := say.Zone(name); err == nil {
			return loc, true
		}
	}
	return cookieZoneOf(r)
}

// cookieZoneOf is the zone the cookies name: an older portal's saved
// choice, else the browser's (portal.js writes it), else UTC.
func cookieZoneOf(r *http.Request) (loc *time.Location, chosen bool) {
	for _, name := range []string{cookieZone, cookieBrowserZone} {
		c, err := r.Cookie(name)
		if err != nil || c.Value == "" {
			continue
		}
		v, err := url.QueryUnescape(c.Value) // the page script escapes the '/' of "Asia/Tokyo"
		if err != nil {
			continue
		}
		if loc, err := say.Zone(v); err == nil {
			return loc, name == cookieZone
		}
	}
	return time.UTC, false
}

// pagesIn returns the page templates whose functions say times in loc,
// parsing them the first time a zone is asked for (a few hundred zones
// exist; each is parsed once).
func (p *Portal) pagesIn(loc *time.Location) (map[string]*template.Template, error) {
	if loc == nil || loc == time.UTC {
		return p.pages, nil
	}
	key := loc.String()
	if v, ok := p.zoned.Load(key); ok {
		return v.(map[string]*template.Template), nil
	}
	pages, err := parsePages(funcsIn(loc))
	if err != nil {
		return nil, err
	}
	v, _ := p.zoned.LoadOrStore(key, pages)
	return v.(map[string]*template.Template), nil
}

// parsePages parses every page with the layout and the partials.
func parsePages(fm template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue // _name.html are partials, parsed into every page
		}
		t, err := template.New(base).Funcs(fm).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// setZone serves POST /profile/timezone: the user's zone, stored with
// their settings (the portal and email say times in it); empty means "my
// browser's zone" (and UTC in email). The cookie an older portal kept the
// choice in is dropped.
func (p *Portal) setZone(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	name := strings.TrimSpace(r.PostFormValue("tz"))
	if _, err := p.o.Service.SetTimeZone(r.Context(), actor, name); err != nil {
		if access.ErrorCode(err) == access.CodeInvalid {
			return p.renderProfile(w, r, actor, http.StatusBadRequest, profileData{}, "", "Time zone: "+p.message(r, err)+".")
		}
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieZone, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: -1})
	http.Redirect(w, r, "/profile?msg=tz", http.StatusSeeOther)
	return nil
}
