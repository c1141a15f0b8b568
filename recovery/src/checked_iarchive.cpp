// Boost's archive templates, instantiated once for the snapshot decoder's archive.
#include "weir/recovery/detail/checked_iarchive.hpp"

#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>

namespace boost::archive {

template class basic_binary_iprimitive<weir::recovery::detail::CheckedIArchive,
                                       std::istream::char_type, std::istream::traits_type>;
template class basic_binary_iarchive<weir::recovery::detail::CheckedIArchive>;
template class binary_iarchive_impl<weir::recovery::detail::CheckedIArchive,
                                    std::istream::char_type, std::istream::traits_type>;
template class detail::archive_serializer_map<weir::recovery::detail::CheckedIArchive>;

}  // namespace boost::archive
