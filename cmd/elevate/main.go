// Command elevate gives engineers temporary, approved, audited elevated
// access to AWS accounts through IAM Identity Center. Run `elevate help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/elevate/elevate/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
