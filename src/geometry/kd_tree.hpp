// The kd-tree of a point set (median splits across the widest extent, ties broken by the index, so that it is the
// same on every rank): its leaves are the Schwarz cells, its leaf order the operator's spatial order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace kernelsolve {
namespace detail {

struct Box {
  std::vector<double> low, high;
};

/// Squared distance between two boxes (0 when they touch or intersect).
inline double squared_distance(Box const& a, Box const& b) {
  double sum = 0;
  for (std::size_t d = 0; d < a.low.size(); ++d) {
    double const gap = std::max({0.0, a.low[d] - b.high[d], b.low[d] - a.high[d]});
    sum += gap * gap;
  }
  return sum;
}

class KdTree {
 public:
  KdTree(double const* points, std::int64_t count, int dimension, std::int64_t cell_points)
      : points_(points), count_(count), dimension_(dimension), cell_points_(cell_points) {
    order_.resize(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) order_[static_cast<std::size_t>(i)] = i;
    offsets_.push_back(0);
    split(0, count);
  }

  [[nodiscard]] double coordinate(std::int64_t point, int d) const {
    return points_[static_cast<std::size_t>(d) * static_cast<std::size_t>(count_) + static_cast<std::size_t>(point)];
  }
  /// The points in tree order; leaf l is [offsets()[l], offsets()[l + 1]).
  std::vector<std::int64_t>& order() { return order_; }
  [[nodiscard]] std::vector<std::int64_t> const& offsets() const { return offsets_; }

  [[nodiscard]] Box box(std::int64_t begin, std::int64_t end) const {
    Box box{std::vector<double>(static_cast<std::size_t>(dimension_), std::numeric_limits<double>::infinity()),
            std::vector<double>(static_cast<std::size_t>(dimension_), -std::numeric_limits<double>::infinity())};
    for (std::int64_t k = begin; k < end; ++k)
      for (int d = 0; d < dimension_; ++d) {
        double const x = coordinate(order_[static_cast<std::size_t>(k)], d);
        box.low[static_cast<std::size_t>(d)] = std::min(box.low[static_cast<std::size_t>(d)], x);
        box.high[static_cast<std::size_t>(d)] = std::max(box.high[static_cast<std::size_t>(d)], x);
      }
    return box;
  }

 private:
  // Median split across the widest extent; ties broken by the index, so that the tree is the same on every rank.
  void split(std::int64_t begin, std::int64_t end) {
    if (end - begin <= cell_points_) {
      std::sort(order_.begin() + begin, order_.begin() + end);
      offsets_.push_back(end);
      return;
    }
    auto const extent = box(begin, end);
    int widest = 0;
    for (int d = 1; d < dimension_; ++d)
      if (extent.high[static_cast<std::size_t>(d)] - extent.low[static_cast<std::size_t>(d)] >
          extent.high[static_cast<std::size_t>(widest)] - extent.low[static_cast<std::size_t>(widest)])
        widest = d;
    std::int64_t const middle = begin + (end - begin) / 2;
    std::nth_element(order_.begin() + begin, order_.begin() + middle, order_.begin() + end,
                     [&](std::int64_t a, std::int64_t b) {
                       double const xa = coordinate(a, widest), xb = coordinate(b, widest);
                       return xa < xb || (xa == xb && a < b);
                     });
    split(begin, middle);
    split(middle, end);
  }

  double const* points_;
  std::int64_t count_;
  int dimension_;
  std::int64_t cell_points_;
  std::vector<std::int64_t> order_;
  std::vector<std::int64_t> offsets_;
};

}  // namespace detail
}  // namespace kernelsolve
