package email

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
)

// testCert is a self-signed certificate for 127.0.0.1 and the pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// smtpServer is a minimal SMTP server: EHLO, STARTTLS, AUTH PLAIN, MAIL,
// RCPT, DATA, QUIT. It refuses AUTH and MAIL before STARTTLS and records
// what it received.
type smtpServer struct {
	ln   net.Listener
	cert tls.Certificate
	mu   sync.Mutex
	// Recorded.
	authUser, authPass string
	from               string
	rcpt               []string
	data               string
	tlsBeforeAuth      bool
	done               chan struct{}
}

func newSMTPServer(t *testing.T, cert tls.Certificate) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, cert: cert, done: make(chan struct{})}
	t.Cleanup(func() { _ = ln.Close() })
	go s.serveOne()
	return s
}

func (s *smtpServer) serveOne() {
	defer close(s.done)
	conn, err := s.ln.Accept()
	if err != nil {
		return
	}
	defer func() { _ = conn.Close() }() // read-only or already-failed: its close error cannot matter
	tp := textproto.NewConn(conn)
	secure := false
	_ = tp.PrintfLine("220 smtp.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			if secure {
				_ = tp.PrintfLine("250-smtp.test\r\n250 AUTH PLAIN")
			} else {
				_ = tp.PrintfLine("250-smtp.test\r\n250 STARTTLS")
			}
		case "STARTTLS":
			_ = tp.PrintfLine("220 ready to start TLS")
			tconn := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{s.cert}})
			if err := tconn.Handshake(); err != nil {
				return
			}
			conn, secure = tconn, true
			tp = textproto.NewConn(tconn)
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if !secure || mech != "PLAIN" || err != nil || len(parts) != 3 {
				_ = tp.PrintfLine("535 authentication refused")
				continue
			}
			s.mu.Lock()
			s.authUser, s.authPass, s.tlsBeforeAuth = parts[1], parts[2], secure
			s.mu.Unlock()
			_ = tp.PrintfLine("235 authenticated")
		case "MAIL":
			if !secure {
				_ = tp.PrintfLine("530 must issue STARTTLS first")
				continue
			}
			s.mu.Lock()
			s.from = arg
			s.mu.Unlock()
			_ = tp.PrintfLine("250 ok")
		case "RCPT":
			s.mu.Lock()
			s.rcpt = append(s.rcpt, arg)
			s.mu.Unlock()
			_ = tp.PrintfLine("250 ok")
		case "DATA":
			_ = tp.PrintfLine("354 go ahead")
			b, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			s.mu.Lock()
			s.data = string(b)
			s.mu.Unlock()
			_ = tp.PrintfLine("250 queued")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 not implemented")
		}
	}
}

// TestSendOverSTARTTLS sends one notification through the local SMTP
// server and checks the session (STARTTLS before AUTH PLAIN) and the message:
// recipient, subject, a text and an HTML part, and the link to the request.
func TestSendOverSTARTTLS(t *testing.T) {
	cert, pool := testCert(t)
	srv := newSMTPServer(t, cert)
	_, port, _ := net.SplitHostPort(srv.ln.Addr().String())
	p, _ := strconv.Atoi(port)
	s, err := New(Config{Host: "127.0.0.1", Port: p, Username: "AKIASMTPUSER", Password: "smtp-password", From: "elevate <elevate@example.com>",
		TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	url := "https://elevate.example.com/requests/req_123"
	r := access.Request{ID: "req_123", RequesterName: "alice", PermissionSetName: "AdministratorAccess", Duration: time.Hour,
		Justification: "INC-42 <urgent>", Status: access.StatusPending, ApprovalsRequired: 1,
		Grants: []access.Grant{{ID: "grt_1", AccountID: "444455556666"}}}
	ev := access.Event{Type: access.EventSubmitted, RequestID: r.ID, Actor: access.Actor{UserName: "alice"}}
	m := notify.Message{NotificationID: "ntf_1", Event: ev, Request: r, URL: url,
		Recipient: access.User{ID: "u-bob", UserName: "bob", Email: "bob@example.com"}, Subject: notify.Subject(ev, r)}
	m.Text = m.Subject + "\n\n" + url + "\n"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if !srv.tlsBeforeAuth || srv.authUser != "AKIASMTPUSER" || srv.authPass != "smtp-password" {
		t.Errorf("auth: user %q pass %q after TLS %v", srv.authUser, srv.authPass, srv.tlsBeforeAuth)
	}
	if srv.from != "FROM:<elevate@example.com>" || len(srv.rcpt) != 1 || srv.rcpt[0] != "TO:<bob@example.com>" {
		t.Errorf("envelope: from %q rcpt %q", srv.from, srv.rcpt)
	}
	msg, err := mail.ReadMessage(strings.NewReader(srv.data))
	if err != nil {
		t.Fatal(err)
	}
	if to := msg.Header.Get("To"); to != `"bob" <bob@example.com>` && to != "<bob@example.com>" {
		t.Errorf("To: %q", to)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if want := "[elevate] alice requests AdministratorAccess on 4444 5555 6666 for 1h"; subject != want {
		t.Errorf("Subject %q, want %q", subject, want)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		// multipart.Reader decodes quoted-printable itself and drops the header.
		var rd io.Reader = part
		if part.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			rd = quotedprintable.NewReader(part)
		}
		b, _ := io.ReadAll(bufio.NewReader(rd))
		parts[ct] = string(b)
	}
	if txt := parts["text/plain"]; !strings.Contains(txt, url) || !strings.Contains(txt, "alice requests AdministratorAccess") {
		t.Errorf("text part lacks the link or the summary: %q", txt)
	}
	html := parts["text/html"]
	if !strings.Contains(html, `<a href="`+url+`">`) || !strings.Contains(html, "INC-42 &lt;urgent&gt;") {
		t.Errorf("html part lacks the link or the escaped details: %q", html)
	}
}

// TestRefusesPasswordWithoutTLS: a configuration that would send the SMTP
// password in clear is refused.
func TestRefusesPasswordWithoutTLS(t *testing.T) {
	if _, err := New(Config{Host: "smtp.example.com", Username: "u", Password: "p", From: "e@example.com", TLS: TLSNone}); err == nil {
		t.Fatal("New accepted AUTH without TLS")
	}
}
