package awsemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Listen serves e over HTTP on addr (for example "127.0.0.1:0") until ctx is
// done or stop is called. It returns the base URL to use as the SDK clients'
// BaseEndpoint, e.g. "http://127.0.0.1:41234". stop shuts the server down
// gracefully, waiting at most until its context is done.
func Listen(ctx context.Context, addr string, e *Emulator) (url string, stop func(context.Context) error, err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("awsemu: listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.logger.Error("awsemu: serve", "addr", ln.Addr().String(), "err", err)
		}
	}()
	unwatch := context.AfterFunc(ctx, func() { _ = srv.Close() })
	stop = func(sctx context.Context) error {
		unwatch()
		if err := srv.Shutdown(sctx); err != nil {
			return fmt.Errorf("awsemu: shutdown: %w", err)
		}
		<-done
		return nil
	}
	return "http://" + ln.Addr().String(), stop, nil
}
