package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"sv/semver"
)

func parse(tag string) (*semver.Version, error) {
	if len(strings.SplitN(tag, ".", 3)) != 3 {
		return nil, fmt.Errorf("not 3 parts")
	}
	return semver.NewVersion(tag)
}

// lines: "C\t<constraint>\t<version>" or "T\t<tag>" or "L\t<constraint>\t<tag1> <tag2> ..."
func main() {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		switch f[0] {
		case "T":
			v, err := parse(f[1])
			if err != nil {
				fmt.Printf("T\t%q\tERR %s\n", f[1], err)
			} else {
				fmt.Printf("T\t%q\t%s\n", f[1], v.String())
			}
		case "C":
			c, err := semver.NewConstraint(f[1])
			if err != nil {
				fmt.Printf("C\t%q\tERR %s\n", f[1], err)
				continue
			}
			v, err := semver.NewVersion(f[2])
			if err != nil {
				panic(f[2])
			}
			fmt.Printf("C\t%q\t%q\t%v\n", f[1], f[2], c.Check(v))
		}
	}
}
