// Command modelgen writes internal/awsemu/model_gen.go, the compact table of
// operations and input constraints that the emulator checks requests
// against, from AWS's botocore service models.
//
// Usage (from internal/awsemu, via go generate):
//
//	go run ./internal/modelgen -models ../../../shared/aws-models -out model_gen.go
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/elevate/elevate/internal/awsemu/internal/modelgen/gen"
)

func main() {
	models := flag.String("models", "../../../shared/aws-models", "directory holding <service>/service-2.json")
	out := flag.String("out", "model_gen.go", "output Go file")
	flag.Parse()
	if err := run(*models, *out); err != nil {
		fmt.Fprintln(os.Stderr, "modelgen:", err)
		os.Exit(1)
	}
}

func run(models, out string) error {
	src, err := gen.Generate(models)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}
