// A class template with a static data member: g++ emits it as an
// STB_GNU_UNIQUE object in every object that instantiates it.
template <class T> struct Counter { static int n; };
template <class T> int Counter<T>::n = 1;
