package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

// input lines: JSON array [pattern, subject, template]
func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var in []string
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			panic(err)
		}
		out := map[string]interface{}{"in": in}
		re, err := regexp.Compile(in[0])
		if err != nil {
			out["err"] = err.Error()
		} else if len(in) > 1 {
			m := re.FindStringSubmatchIndex(in[1])
			out["match"] = m != nil
			if m != nil {
				out["span"] = []int{m[0], m[1]}
				if len(in) > 2 {
					out["expand"] = string(re.ExpandString(nil, in[2], in[1], m))
				}
			}
		}
		b, _ := json.Marshal(out)
		fmt.Println(string(b))
	}
}
