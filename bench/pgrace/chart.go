package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

var (
	white    = color.RGBA{255, 255, 255, 255}
	ink      = color.RGBA{30, 30, 30, 255}
	grid     = color.RGBA{220, 220, 220, 255}
	ddColor  = color.RGBA{31, 119, 180, 255}  // DriftDB
	pgColor  = color.RGBA{150, 150, 150, 255} // PostgreSQL
	curColor = color.RGBA{174, 199, 232, 255} // DriftDB's current reads, beside AS OF
)

// A bar pair is one workload of the chart: DriftDB's value and the value
// it is compared with, each drawn relative to the larger of the two.
type barPair struct {
	label        string
	dd, other    float64
	otherLabel   string
	otherColor   color.RGBA
	unit, remark string
}

// chart draws one pair of horizontal bars per workload and returns the
// PNG.
func chart(rep *report) ([]byte, error) {
	var pairs []barPair
	for _, r := range rep.Results {
		label := fmt.Sprintf("%s, %d cl, %s", r.Name, r.Clients, r.Mode)
		p := barPair{label: label, dd: r.DriftDB.TPS, unit: "tps", remark: fmt.Sprintf("%.2fx", r.Ratio)}
		if r.PostgreSQL != nil {
			p.other, p.otherLabel, p.otherColor = r.PostgreSQL.TPS, "PostgreSQL", pgColor
		} else if r.Base != nil {
			p.other, p.otherLabel, p.otherColor = r.Base.TPS, "DriftDB now", curColor
		}
		pairs = append(pairs, p)
	}
	if b := rep.Bulk; b != nil && b.DriftDBSeconds > 0 && b.PGSeconds > 0 {
		pairs = append(pairs, barPair{label: fmt.Sprintf("bulk load %dk rows", b.Rows/1000),
			dd: float64(b.Rows) / b.DriftDBSeconds, other: float64(b.Rows) / b.PGSeconds,
			otherLabel: "PostgreSQL", otherColor: pgColor, unit: "rows/s",
			remark: fmt.Sprintf("%.2fx", b.PGSeconds/b.DriftDBSeconds)})
		pairs = append(pairs, barPair{label: "bytes on disk (MiB)",
			dd: float64(b.DriftDBBytes) / (1 << 20), other: float64(b.PGBytes) / (1 << 20),
			otherLabel: "PostgreSQL", otherColor: pgColor, unit: "MiB",
			remark: fmt.Sprintf("%.2fx", float64(b.DriftDBBytes)/float64(b.PGBytes))})
	}

	if c := rep.Copy; c != nil && c.DriftDBSeconds > 0 && c.PGSeconds > 0 {
		pairs = append(pairs, barPair{label: fmt.Sprintf("COPY %dk rows, indexed", c.Rows/1000),
			dd: float64(c.Rows) / c.DriftDBSeconds, other: float64(c.Rows) / c.PGSeconds,
			otherLabel: "PostgreSQL", otherColor: pgColor, unit: "rows/s",
			remark: fmt.Sprintf("%.2fx", c.Ratio)})
	}

	const (
		width, labelW, barMax, rowH, barH, top = 1100, 330, 560, 46, 16, 70
	)
	height := top + rowH*len(pairs) + 30
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	text(img, 20, 24, ink, fmt.Sprintf("DriftDB against PostgreSQL, same machine (%s), %s per run", rep.Machine, rep.Duration))
	legend := []struct {
		c    color.RGBA
		name string
	}{{ddColor, "DriftDB"}, {pgColor, "PostgreSQL"}, {curColor, "DriftDB, current reads (beside AS OF)"}}
	x := 20
	for _, l := range legend {
		fill(img, image.Rect(x, 38, x+14, 50), l.c)
		text(img, x+20, 49, ink, l.name)
		x += 30 + 7*len(l.name)
	}
	text(img, labelW+barMax+130, 49, ink, "ratio")
	for i, p := range pairs {
		y := top + i*rowH
		fill(img, image.Rect(20, y+rowH-4, width-20, y+rowH-3), grid)
		text(img, 20, y+barH+6, ink, p.label)
		scale := max(p.dd, p.other)
		if scale <= 0 {
			scale = 1
		}
		for j, v := range []float64{p.dd, p.other} {
			if j == 1 && p.otherLabel == "" {
				continue
			}
			c := ddColor
			if j == 1 {
				c = p.otherColor
			}
			by := y + j*(barH+4)
			w := int(float64(barMax) * v / scale)
			fill(img, image.Rect(labelW, by, labelW+max(w, 1), by+barH), c)
			label := fmt.Sprintf("%.0f %s", v, p.unit)
			if p.unit == "MiB" {
				label = fmt.Sprintf("%.1f %s", v, p.unit)
			}
			text(img, labelW+w+6, by+barH-3, ink, label)
		}
		text(img, labelW+barMax+130, y+barH+6, ink, p.remark)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func text(img *image.RGBA, x, y int, c color.RGBA, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
