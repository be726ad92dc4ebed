package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		s := sc.Text()
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fmt.Printf("%q\t%v\t%s\n", s, f, err.Error())
		} else {
			fmt.Printf("%q\t%v\tok\n", s, strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
}
