package letters

import (
	"embed"
	"fmt"
	"html/template"
	"io"
)

//go:embed templates/letter.html.tmpl
var templateFS embed.FS

// letterHTML is parsed once; html/template escapes every value, so a name
// or care-plan entry containing markup prints as text.
var letterHTML = template.Must(template.ParseFS(templateFS, "templates/letter.html.tmpl"))

// htmlData is what the template sees.
type htmlData struct {
	Doc                              *Document
	Large                            bool
	BodySize, HeadingSize, TitleSize template.CSS
}

// WriteHTML writes the letter as one printable HTML page with its styles
// inline, so it prints the same wherever it is opened.
func (d *Document) WriteHTML(w io.Writer, opts Options) error {
	data := htmlData{Doc: d, Large: opts.LargePrint, BodySize: "12pt", HeadingSize: "14pt", TitleSize: "18pt"}
	if opts.LargePrint {
		data.BodySize, data.HeadingSize, data.TitleSize = "17pt", "20pt", "24pt"
	}
	if err := letterHTML.ExecuteTemplate(w, "letter.html.tmpl", data); err != nil {
		return fmt.Errorf("render %s letter as HTML: %w", d.Kind, err)
	}
	return nil
}
