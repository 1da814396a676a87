// The module proxy benchmark's program: a small command-line service on popular libraries, so that
// a fresh builder has dozens of modules to download (bench/src/modules.ts).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
)

func main() {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bench_requests_total", Help: "Requests."}, []string{"kind"})
	registry := prometheus.NewRegistry()
	registry.MustRegister(requests)

	root := &cobra.Command{
		Use: "modbench",
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, err := zap.NewProduction()
			if err != nil {
				return err
			}
			defer logger.Sync()
			v := viper.New()
			v.SetDefault("workers", 4)
			g, _ := errgroup.WithContext(context.Background())
			for i := 0; i < v.GetInt("workers"); i++ {
				g.Go(func() error {
					requests.WithLabelValues("work").Inc()
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				return err
			}
			families, err := registry.Gather()
			if err != nil {
				return err
			}
			logger.Info("done", zap.String("id", uuid.NewString()), zap.Int("families", len(families)), zap.Duration("took", time.Millisecond))
			fmt.Println("ok")
			return nil
		},
	}
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
