package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/password"
	"github.com/joinedup/joinedup/store"
)

// stdin is where --password-stdin reads; tests replace it.
var stdin io.Reader = os.Stdin

func runUser(ctx context.Context, e *env, args []string) error {
	return runSubcommand(ctx, e, "user", "add|list|disable [flags]", args, []command{
		{"add", "", runUserAdd},
		{"list", "", runUserList},
		{"disable", "", runUserDisable},
	})
}

func runUserAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user add", "--username NAME --name 'DISPLAY NAME' --role ROLE [--org ODS] [--email E] [--oidc-subject S] [--password-stdin]")
	dbURL := dbFlags(fs)
	username := fs.String("username", "", "sign-in `name`")
	name := fs.String("name", "", "display `name`")
	roles := make([]string, 0, 8)
	for _, r := range joinedup.Roles() {
		roles = append(roles, string(r))
	}
	role := fs.String("role", "", "`role`: "+strings.Join(roles, ", "))
	org := fs.String("org", "", "`ODS` code of the user's organisation")
	email := fs.String("email", "", "`email` matched at OpenID Connect sign-in")
	subject := fs.String("oidc-subject", "", "OpenID Connect `subject` (e.g. the CIS2 UUID)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fs, args); err != nil {
		return err
	}
	u := joinedup.User{Username: *username, DisplayName: *name, Role: joinedup.Role(*role), Email: *email, OIDCSubject: *subject}
	if err := u.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if err := checkURL(dbURL()); err != nil {
		return err
	}
	var pw string
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
		if len([]rune(pw)) < password.MinLength {
			return usageError{password.ErrTooShort.Error()}
		}
	}
	db, err := store.Open(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	u, err = coord.New(db, e.log).CreateUser(ctx, coord.System("joinedup user add", time.Now().UTC()), coord.NewUser{Username: u.Username,
		DisplayName: u.DisplayName, Role: u.Role, OrganisationODS: *org, Email: u.Email, OIDCSubject: u.OIDCSubject, Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s (%s) as %s\n", u.Username, u.DisplayName, u.Role)
	return nil
}

func runUserList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user list", "[--db URL]")
	dbURL := dbFlags(fs)
	db, err := parseAndOpen(ctx, fs, args, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	us, err := store.ListUsers(ctx, db)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tNAME\tROLE\tORGANISATION\tSTATUS")
	for _, u := range us {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, u.Role, u.OrganisationID, status)
	}
	return tw.Flush()
}

func runUserDisable(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user disable", "--username NAME")
	dbURL := dbFlags(fs)
	username := fs.String("username", "", "the account to disable")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usageError{"--username is required"}
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	if err := coord.New(db, e.log).DisableUser(ctx, coord.System("joinedup user disable", time.Now().UTC()), *username); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "disabled %s and ended its sessions\n", *username)
	return nil
}
