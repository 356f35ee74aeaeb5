package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/alecthomas/kong"
)

// buildInfo is what `bot version` prints: the module version, the commit
// it was built from and the toolchain, all from the binary's build info
// (nothing is stamped by hand, so every build, `go install` included, says
// where it came from).
type buildInfo struct {
	// Version is the main module's version: a tag (v1.2.3), a pseudo-version
	// for a build from a checkout, or "(devel)".
	Version string `json:"version"`
	// Commit is vcs.revision, "" when the build had no VCS information
	// (go build -buildvcs=false, a test binary).
	Commit string `json:"commit"`
	// CommitTime is vcs.time (RFC 3339), "" when unknown.
	CommitTime string `json:"commitTime,omitempty"`
	// Modified is vcs.modified: the work tree had uncommitted changes.
	Modified bool `json:"modified"`
	// Go is the toolchain that built the binary (go1.26.8).
	Go string `json:"go"`
	// Platform is GOOS/GOARCH of the running binary.
	Platform string `json:"platform"`
}

// readBuildInfo turns debug.BuildInfo into a buildInfo; bi may be nil
// (a binary built without module support).
func readBuildInfo(bi *debug.BuildInfo) buildInfo {
	v := buildInfo{Version: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi == nil {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		v.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// currentBuild is the running binary's buildInfo.
func currentBuild() buildInfo {
	bi, _ := debug.ReadBuildInfo()
	return readBuildInfo(bi)
}

// writeText prints v in three lines:
//
//	bot v1.2.3
//	commit 2a7c38a1… (2026-11-24T10:20:30Z, modified)
//	go1.26.8 linux/amd64
func (v buildInfo) writeText(w io.Writer) error {
	commit := "commit unknown (built without VCS information)"
	if v.Commit != "" {
		commit = "commit " + v.Commit
		switch {
		case v.CommitTime != "" && v.Modified:
			commit += " (" + v.CommitTime + ", modified)"
		case v.CommitTime != "":
			commit += " (" + v.CommitTime + ")"
		case v.Modified:
			commit += " (modified)"
		}
	}
	_, err := fmt.Fprintf(w, "bot %s\n%s\n%s %s\n", v.Version, commit, v.Go, v.Platform)
	return err
}

// versionFlag is the root's --version: it prints what `bot version`
// prints and exits 0 before any command runs.
type versionFlag bool

// BeforeReset is kong's hook, run when --version is given.
func (versionFlag) BeforeReset(kctx *kong.Context) error {
	if err := currentBuild().writeText(kctx.Stdout); err != nil {
		return err
	}
	kctx.Exit(0)
	return nil
}

// VersionCmd is "bot version".
type VersionCmd struct {
	JSON bool `name:"json" help:"Print JSON."`
}

// Run prints the build information.
func (c *VersionCmd) Run(app *App) error {
	v := currentBuild()
	if !c.JSON {
		return v.writeText(app.Stdout)
	}
	enc := json.NewEncoder(app.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
