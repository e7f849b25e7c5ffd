package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// cliState is the shape of the one-time state `elevate login` sends.
var cliState = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)

// cliDevice is the shape of a headless login's device code (a SHA-256).
var cliDevice = regexp.MustCompile(`^[0-9a-f]{64}$`)

// deviceCode is what a headless login shows in the terminal and the portal
// shows beside its confirmation, so the user checks that they confirm
// their own sign-in: the first 8 hex digits of the device code.
func deviceCode(device string) string {
	return strings.ToUpper(device[:4] + "-" + device[4:8])
}

type cliLoginData struct {
	Port, State, Host string
	// Device is the hex SHA-256 of the token a headless CLI made, and
	// Code the part of it both the terminal and this page show.
	Device, Code string
	// Done: a headless sign-in is complete.
	Done bool
	// Callback is the CLI's loopback address that receives the token.
	Callback string
	Token    string
}

// cliLoginInput reads and checks what `elevate login` put in the URL or
// the form: the port of its loopback listener, its one-time state and the
// name of its computer.
func cliLoginInput(get func(string) string) (cliLoginData, error) {
	d := cliLoginData{Port: strings.TrimSpace(get("port")), State: strings.TrimSpace(get("state")),
		Host: access.EscapeControls(strings.TrimSpace(get("host"))), Device: strings.ToLower(strings.TrimSpace(get("device")))}
	if len(d.Host) > 60 {
		d.Host = d.Host[:60]
	}
	if d.Device != "" {
		if !cliDevice.MatchString(d.Device) {
			return d, access.Errorf(access.CodeInvalid, "This sign-in link has no valid device code: run `elevate login --headless` again and open the link it prints.")
		}
		d.Code = deviceCode(d.Device)
		return d, nil
	}
	if n, err := strconv.Atoi(d.Port); err != nil || n < 1024 || n > 65535 {
		return d, access.Errorf(access.CodeInvalid, "This sign-in link has no valid CLI port: run `elevate login` again and open the link it prints.")
	}
	if !cliState.MatchString(d.State) {
		return d, access.Errorf(access.CodeInvalid, "This sign-in link has no valid state: run `elevate login` again and open the link it prints.")
	}
	d.Callback = "http://127.0.0.1:" + d.Port + "/callback"
	return d, nil
}

// cliLogin serves GET /cli/login: asks the signed-in user to confirm that
// the CLI on their computer may act as them (sign-in first, whatever the
// configured method, through authed's redirect).
func (p *Portal) cliLogin(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	d, err := cliLoginInput(r.URL.Query().Get)
	if err != nil {
		return err
	}
	p.render(w, http.StatusOK, "cli_login", view{Title: "Sign in the CLI", Actor: actor, SignedIn: true, D: d})
	return nil
}

// cliLoginConfirm serves POST /cli/login: makes the CLI's short-lived
// token and hands it to the CLI's loopback listener with the state, by a
// form the browser posts there (the token never appears in a URL).
func (p *Portal) cliLoginConfirm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	d, err := cliLoginInput(r.PostFormValue)
	if err != nil {
		return err
	}
	if d.Device != "" {
		if _, err := p.o.Service.CLILoginDevice(r.Context(), actor, d.Device, d.Host); err != nil {
			return err
		}
		d.Done = true
		p.render(w, http.StatusOK, "cli_login", view{Title: "Sign in the CLI", Actor: actor, SignedIn: true, D: d})
		return nil
	}
	secret, _, err := p.o.Service.CLILogin(r.Context(), actor, d.Host)
	if err != nil {
		return err
	}
	d.Token = secret
	// This page alone may post a form to the CLI's loopback listener.
	if csp := w.Header().Get("Content-Security-Policy"); csp != "" {
		w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' http://127.0.0.1:"+d.Port, 1))
	}
	p.render(w, http.StatusOK, "cli_login_done", view{Title: "Sign in the CLI", Actor: actor, SignedIn: true, D: d})
	return nil
}
