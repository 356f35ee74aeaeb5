// Command bot runs the chat gateway and manages its model credentials.
package main

import (
	"context"
	"os"

	"github.com/botgateway/bot/cmd/bot/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
