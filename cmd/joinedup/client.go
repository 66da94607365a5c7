package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

func runClient(ctx context.Context, e *env, args []string) error {
	return runSubcommand(ctx, e, "client", "add|list [flags]", args, []command{
		{"add", "", runClientAdd},
		{"list", "", runClientList},
	})
}

// runClientAdd registers a system client with its public keys. Only public
// keys are accepted: the private key never leaves the client.
func runClientAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "client add", "--name NAME --jwks FILE --scope 'system/*.read'")
	dbURL := dbFlags(fs)
	name := fs.String("name", "", "the client's `name`")
	jwksPath := fs.String("jwks", "", "`file` holding the client's public JWK set (RS384 or ES384 keys)")
	scope := fs.String("scope", "", "space-separated `scopes` the client may be granted, e.g. system/*.read or system/Patient.read")
	if err := parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" || *jwksPath == "" {
		return usageError{"--name and --jwks are required"}
	}
	scopes, err := joinedup.ParseClientScopes(*scope)
	if err != nil {
		return usageError{"--scope: " + err.Error()}
	}
	raw, err := os.ReadFile(*jwksPath)
	if err != nil {
		return usageError{err.Error()}
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) == 0 {
		return usageError{fmt.Sprintf("%s is not a JWK set with keys", *jwksPath)}
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return usageError{fmt.Sprintf("%s holds a private key (kid %q): register public keys only", *jwksPath, k.KeyID)}
		}
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	db, err := store.Open(ctx, dbURL())
	if err != nil {
		return exitCodeError{code: exitUsage, err: err}
	}
	defer db.Close()
	c, err := coord.New(db, e.log).CreateClient(ctx, coord.System("joinedup client add", time.Now().UTC()), joinedup.Client{Name: *name, Scopes: scopes}, string(raw))
	if errors.Is(err, joinedup.ErrConflict) {
		return usageError{fmt.Sprintf("a client named %q exists", *name)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "registered client %s\nclient_id: %s\nscopes: %s\n", c.Name, c.ID, strings.Join(c.Scopes, " "))
	return nil
}

func runClientList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "client list", "[--db URL]")
	dbURL := dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	db, err := store.Open(ctx, dbURL())
	if err != nil {
		return exitCodeError{code: exitUsage, err: err}
	}
	defer db.Close()
	cs, err := store.ListClients(ctx, db)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCLIENT ID\tSCOPES\tDISABLED")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", c.Name, c.ID, strings.Join(c.Scopes, " "), c.Disabled)
	}
	return tw.Flush()
}
