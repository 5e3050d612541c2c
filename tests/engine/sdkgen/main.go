// Command sdkgen writes a Pulumi package's TypeScript or Go SDK with Pulumi's own code
// generators, github.com/pulumi/pulumi/pkg/v3/codegen/nodejs and .../codegen/go: the code
// that `pulumi package gen-sdk --language nodejs|go` runs inside the Node.js and Go
// language hosts, which the Go module proxy used here does not serve (see
// docs/engine-tests.md). The schemas come from files written by `pulumi package
// get-schema`: the package's first, then the packages it refers to.
//
//	sdkgen -language nodejs|go -out DIR SCHEMA.json [DEPENDENCY-SCHEMA.json...]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// fileLoader answers the code generators' package look-ups from schema files.
type fileLoader struct {
	specs map[string]schema.PackageSpec
	bound map[string]*schema.Package
}

func (l *fileLoader) load(name string) (*schema.Package, error) {
	if pkg, ok := l.bound[name]; ok {
		return pkg, nil
	}
	spec, ok := l.specs[name]
	if !ok {
		return nil, fmt.Errorf("no schema given for package %q", name)
	}
	pkg, diags, err := schema.BindSpec(spec, l, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("schema of %q: %v", name, diags)
	}
	l.bound[name] = pkg
	return pkg, nil
}

func (l *fileLoader) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return l.load(name)
}

func (l *fileLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.load(d.Name)
}

func (l *fileLoader) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	pkg, err := l.load(name)
	if err != nil {
		return nil, err
	}
	return pkg.Reference(), nil
}

func (l *fileLoader) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, nil)
}

func main() {
	language := flag.String("language", "", "nodejs or go")
	out := flag.String("out", "sdk", "the directory to write the SDK to")
	flag.Parse()
	if flag.NArg() < 1 || (*language != "nodejs" && *language != "go") {
		fmt.Fprintln(os.Stderr, "usage: sdkgen -language nodejs|go -out DIR SCHEMA.json [DEPENDENCY.json...]")
		os.Exit(2)
	}
	if err := run(*language, *out, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}

func run(language, out string, schemas []string) error {
	loader := &fileLoader{specs: map[string]schema.PackageSpec{}, bound: map[string]*schema.Package{}}
	var main string
	for i, path := range schemas {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var spec schema.PackageSpec
		if err := json.Unmarshal(data, &spec); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		loader.specs[spec.Name] = spec
		if i == 0 {
			main = spec.Name
		}
	}
	pkg, err := loader.load(main)
	if err != nil {
		return err
	}
	var files map[string][]byte
	switch language {
	case "nodejs":
		files, err = nodejs.GeneratePackage("sdkgen", pkg, nil, nil, false, loader)
	case "go":
		files, err = gogen.GeneratePackage("sdkgen", pkg, nil)
	}
	if err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(out, language, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
